import { Type as T, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { GatewayError } from "../errors.ts";
import { OAuthError, scrubSecrets } from "./oauth-error.ts";
import type { Clock, OAuthTokens } from "./types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";

/** RFC 6749 §5.1 success body; extra fields (scope, organization, account, id_token) are ignored. */
export const TokenResponse = T.Object({
  access_token: T.String({ minLength: 1 }),
  refresh_token: T.Optional(T.String()),
  expires_in: T.Optional(T.Number()),
  token_type: T.Optional(T.String()),
  scope: T.Optional(T.String()),
  resource_url: T.Optional(T.String()),
});
export type TokenResponse = Static<typeof TokenResponse>;

/** RFC 6749 §5.2 error body. */
export const TokenErrorResponse = T.Object({
  error: T.String(),
  error_description: T.Optional(T.String()),
});

/**
 * Used when the server leaves out `expires_in`: an hour. Qwen's own CLI leaves the expiry unknown then; an hour
 * makes the gateway refresh early rather than use a token until it fails.
 */
const DEFAULT_EXPIRES_IN_S = 3600;

/** Errors after which only a new login helps. */
const AUTH_ERRORS = new Set(["invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "expired_token"]);

export interface TokenRequest {
  fetch: FetchFn;
  url: string;
  encoding: "json" | "form";
  body: Record<string, string>;
  /** What the request is for, used in error messages ("code exchange", "refresh"). */
  purpose: string;
  /** Gives up after this long; the token manager keeps it below its lock TTL so a lock never outlives its holder's work. */
  timeoutMs?: number;
}

/**
 * POSTs to an OAuth endpoint and returns the parsed JSON body on 2xx. Non-2xx answers become an OAuthError with
 * the server's `error` and scrubbed `error_description`; nothing from `body` ever reaches a message.
 */
/** Body fields whose values are secrets and are scrubbed from anything the server echoes back. */
const SECRET_FIELDS = ["code", "code_verifier", "refresh_token", "device_code", "state", "assertion"];

export async function postOAuthForm(req: TokenRequest): Promise<{ status: number; json: unknown }> {
  const secrets = SECRET_FIELDS.map((k) => req.body[k]).filter((v): v is string => Boolean(v));
  const headers: Record<string, string> = { accept: "application/json" };
  let payload: string;
  if (req.encoding === "json") {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(req.body);
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded";
    payload = new URLSearchParams(req.body).toString();
  }
  let res: Response;
  try {
    res = await req.fetch(req.url, {
      method: "POST",
      headers,
      body: payload,
      signal: req.timeoutMs ? AbortSignal.timeout(req.timeoutMs) : undefined,
    });
  } catch (cause) {
    throw new GatewayError(502, "upstream_error", `OAuth ${req.purpose}: token endpoint ${req.url} unreachable`, {
      retryable: true,
      cause: cause instanceof Error ? new Error(scrubSecrets(cause.message, secrets)) : undefined,
    });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return { status: res.status, json };
  throw oauthErrorFrom(res.status, json, req.purpose, secrets);
}

/** Maps an OAuth error answer to a typed error; exported for the device flow, which reads pending states first. */
export function oauthErrorFrom(status: number, json: unknown, purpose: string, secrets: ReadonlyArray<string>): OAuthError {
  const parsed = Value.Check(TokenErrorResponse, json) ? (json as Static<typeof TokenErrorResponse>) : undefined;
  const error = parsed ? scrubSecrets(parsed.error, secrets) : `http_${status}`;
  const desc = parsed?.error_description ? `: ${scrubSecrets(parsed.error_description, secrets)}` : "";
  const message = `OAuth ${purpose} failed: ${error}${desc} (HTTP ${status})`;
  if (AUTH_ERRORS.has(error)) return new OAuthError(401, "authentication", error, message, { retryable: false });
  if (status === 429) return new OAuthError(429, "rate_limited", error, message, { retryable: true });
  if (status >= 500) return new OAuthError(502, "upstream_error", error, message, { retryable: true });
  return new OAuthError(502, "upstream_error", error, message, { retryable: false });
}

/** Turns a token response into stored tokens; keeps `previousRefreshToken` when the server did not rotate it. */
export function tokensFromResponse(
  json: unknown,
  clock: Clock,
  purpose: string,
  previousRefreshToken?: string,
): OAuthTokens {
  if (!Value.Check(TokenResponse, json)) {
    throw new GatewayError(502, "upstream_error", `OAuth ${purpose}: token endpoint answered without an access_token`);
  }
  const r = json as TokenResponse;
  const expiresIn = typeof r.expires_in === "number" && r.expires_in > 0 ? r.expires_in : DEFAULT_EXPIRES_IN_S;
  const tokens: OAuthTokens = {
    accessToken: r.access_token,
    expiresAt: clock() + expiresIn * 1000,
  };
  const refresh = r.refresh_token || previousRefreshToken;
  if (refresh) tokens.refreshToken = refresh;
  if (r.resource_url) tokens.resourceUrl = r.resource_url;
  return tokens;
}
