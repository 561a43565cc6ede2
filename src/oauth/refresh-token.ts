import { postOAuthForm, tokensFromResponse } from "./token-endpoint.ts";
import type { Clock, OAuthClientConfig, OAuthTokens } from "./types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";

/**
 * One refresh_token grant (JSON for Anthropic, a form for RFC servers such as Qwen; src/oauth/README.md).
 * The answer may carry a rotated refresh token; when it does not, the old one is kept. The caller must persist
 * the result before using the new access token, because the old refresh token is now spent.
 */
export async function refreshTokens(input: {
  fetch: FetchFn;
  clock: Clock;
  client: OAuthClientConfig;
  refreshToken: string;
  timeoutMs?: number;
}): Promise<OAuthTokens> {
  const { json } = await postOAuthForm({
    fetch: input.fetch,
    url: input.client.tokenUrl,
    encoding: input.client.bodyEncoding,
    purpose: "refresh",
    timeoutMs: input.timeoutMs,
    body: {
      grant_type: "refresh_token",
      refresh_token: input.refreshToken,
      client_id: input.client.clientId,
    },
  });
  return tokensFromResponse(json, input.clock, "refresh", input.refreshToken);
}
