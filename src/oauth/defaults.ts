import { ConfigError } from "../errors.ts";
import type { OAuthSettings } from "../config/schema.ts";
import type { OAuthAccountRef, OAuthClientConfig } from "./types.ts";

/**
 * Anthropic's OAuth settings, those of its own CLI login (and of the Go gateway this project replaces); every one
 * can be overridden per account (`upstream_accounts[].oauth`). Should the console host stop answering refreshes,
 * set `oauth.token_url` to ANTHROPIC_NEWER_HOSTS.tokenUrl and the redirect URI to ANTHROPIC_NEWER_HOSTS.redirectUri
 * (a code is issued for one redirect URI). See src/oauth/README.md "Anthropic (PKCE, code paste)".
 */
export const ANTHROPIC_OAUTH_DEFAULTS: OAuthClientConfig = {
  flow: "authorization-code",
  clientId: "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
  authorizeUrl: "https://claude.ai/oauth/authorize",
  tokenUrl: "https://console.anthropic.com/v1/oauth/token",
  redirectUri: "https://console.anthropic.com/oauth/code/callback",
  scopes: "org:create_api_key user:profile user:inference",
  bodyEncoding: "json",
  devicePkce: false,
};

/** The hosts newer relays use (not confirmed against Anthropic); not the default. */
export const ANTHROPIC_NEWER_HOSTS = {
  tokenUrl: "https://platform.claude.com/v1/oauth/token",
  redirectUri: "https://platform.claude.com/oauth/code/callback",
} as const;

/**
 * Qwen's device flow at chat.qwen.ai, as Qwen's own CLI (qwen-code) uses it: form bodies, a PKCE challenge on the
 * device request and the verifier on each poll, refresh as a form `grant_type=refresh_token`. Qwen documents these
 * values nowhere else (src/oauth/README.md "Device-code login").
 */
export const QWEN_OAUTH_DEFAULTS: OAuthClientConfig = {
  flow: "device-code",
  clientId: "f0304373b74a44d2b584a3fb70ca9e56",
  deviceCodeUrl: "https://chat.qwen.ai/api/v1/oauth2/device/code",
  tokenUrl: "https://chat.qwen.ai/api/v1/oauth2/token",
  scopes: "openid profile email model.completion",
  bodyEncoding: "form",
  devicePkce: true,
};

/** Per-account overrides on top of a base; only the non-secret endpoint fields are read. */
function applyOverrides(base: OAuthClientConfig, s: OAuthSettings | undefined): OAuthClientConfig {
  if (!s) return { ...base };
  return {
    ...base,
    clientId: s.client_id ?? base.clientId,
    tokenUrl: s.token_url ?? base.tokenUrl,
    authorizeUrl: s.authorize_url ?? base.authorizeUrl,
    redirectUri: s.redirect_uri ?? base.redirectUri,
    deviceCodeUrl: s.device_code_url ?? base.deviceCodeUrl,
    scopes: s.scopes ?? base.scopes,
  };
}

/**
 * The OAuth client settings for an account: the provider's defaults (Anthropic: PKCE code paste; an
 * openai-compatible account: Qwen's device flow, the other OAuth login the replaced gateway offered) with the
 * account's overrides. Other providers have no defaults and need `token_url` and `client_id` set explicitly.
 */
export function resolveOAuthClient(account: Pick<OAuthAccountRef, "id" | "provider" | "oauth">): OAuthClientConfig {
  const s = account.oauth;
  if (account.provider === "anthropic") return applyOverrides(ANTHROPIC_OAUTH_DEFAULTS, s);
  if (account.provider === "openai-compatible") return applyOverrides(QWEN_OAUTH_DEFAULTS, s);
  if (!s?.token_url || !s.client_id) {
    throw new ConfigError(
      `upstream account ${account.id}: provider ${account.provider} has no OAuth defaults; set oauth.token_url and oauth.client_id`,
    );
  }
  const device = Boolean(s.device_code_url);
  return applyOverrides(
    {
      flow: device ? "device-code" : "authorization-code",
      clientId: s.client_id,
      tokenUrl: s.token_url,
      scopes: "",
      bodyEncoding: device ? "form" : "json",
      devicePkce: false,
    },
    s,
  );
}
