import type { UpstreamAccount } from "../config/schema.ts";
import { createConfigTokenPersistence, type TokenConfigStore } from "./config-persistence.ts";
import type { OAuthTokens } from "./types.ts";

/** Where Qwen's OpenAI-compatible API is when the token names no resource_url: Qwen's own CLI's default. */
const QWEN_DEFAULT_BASE_URL = "https://dashscope.aliyuncs.com/compatible-mode/v1";

/**
 * Stores the tokens a login got (sealed, `needs_reauth` cleared), for the CLI's logins and the admin UI's alike.
 * An OpenAI-compatible account without a base URL gets the one its token names (Qwen's `resource_url`).
 */
export async function saveLoginTokens(store: TokenConfigStore, account: UpstreamAccount, tokens: OAuthTokens): Promise<void> {
  await createConfigTokenPersistence({ store }).save(account.id, tokens);
  const resource = tokens.resourceUrl;
  if (account.provider === "openai-compatible" && account.base_url === undefined) {
    store.update((c) => {
      const a = c.upstream_accounts.find((x) => x.id === account.id);
      if (a) a.base_url = resource ? baseUrlFromResource(resource) : QWEN_DEFAULT_BASE_URL;
    });
  }
}

/**
 * Qwen names the API host its token is good for (`resource_url`, e.g. `portal.qwen.ai`); the OpenAI-compatible
 * root is that host with https:// and /v1, as Qwen's own CLI builds it (src/oauth/README.md).
 */
export function baseUrlFromResource(resourceUrl: string): string {
  const withScheme = /^https?:\/\//i.test(resourceUrl) ? resourceUrl : `https://${resourceUrl}`;
  const url = new URL(withScheme);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/v1") ? path : `${path}/v1`;
  return url.toString().replace(/\/$/, "");
}
