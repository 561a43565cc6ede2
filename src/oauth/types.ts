import type { OAuthSettings, Provider } from "../config/schema.ts";

/** Plaintext token material as the OAuth code sees it; the config store encrypts it at rest. */
export interface OAuthTokens {
  accessToken: string;
  /** Absent for long-lived tokens that cannot be refreshed (e.g. `claude setup-token`). */
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /**
   * Qwen's token answers (login and refresh) may name the API host the token is good for, `resource_url` (such as
   * `portal.qwen.ai`, no scheme or path; the login turns it into the account's base URL); others leave it out.
   */
  resourceUrl?: string;
}

/** Epoch milliseconds. */
export type Clock = () => number;

/** Resolves after `ms`; injected so tests never wait on real time. */
export type Sleep = (ms: number) => Promise<void>;

/** How an account logs in: Anthropic's paste-the-code PKCE flow, or an RFC 8628 device flow (Qwen). */
export type OAuthFlow = "authorization-code" | "device-code";

/** Everything a flow needs to talk to one provider's OAuth server (defaults merged with the account's overrides). */
export interface OAuthClientConfig {
  flow: OAuthFlow;
  clientId: string;
  tokenUrl: string;
  authorizeUrl?: string;
  redirectUri?: string;
  deviceCodeUrl?: string;
  /** Space-separated, as sent on the wire. */
  scopes: string;
  /** Anthropic's token endpoint takes JSON; RFC 6749/8628 servers such as Qwen's take a form. */
  bodyEncoding: "json" | "form";
  /** Device flow: send a PKCE challenge with the device request and the verifier with each poll (Qwen does). */
  devicePkce: boolean;
}

/** The part of an upstream account the OAuth code reads. */
export interface OAuthAccountRef {
  id: string;
  name?: string;
  /** Background refresh skips api-key and disabled accounts when these are given. */
  type?: "api-key" | "oauth";
  status?: "active" | "disabled";
  provider: Provider;
  base_url?: string;
  oauth?: OAuthSettings;
}
