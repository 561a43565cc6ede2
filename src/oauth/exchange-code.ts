import { parsePastedCode, verifyState, type AuthorizationSession } from "./anthropic-authorize.ts";
import { postOAuthForm, tokensFromResponse } from "./token-endpoint.ts";
import type { Clock, OAuthClientConfig, OAuthTokens } from "./types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { invalidRequest } from "../errors.ts";

export interface ExchangeCodeInput {
  fetch: FetchFn;
  clock: Clock;
  client: OAuthClientConfig;
  code: string;
  state: string;
  codeVerifier: string;
}

/**
 * Authorization-code exchange: grant_type, code, state, client_id, redirect_uri, code_verifier, as JSON for
 * Anthropic (src/oauth/README.md "Anthropic (PKCE, code paste)"). Call only after the state was checked.
 */
export async function exchangeCode(input: ExchangeCodeInput): Promise<OAuthTokens> {
  const { client } = input;
  if (!client.redirectUri) throw invalidRequest("OAuth code exchange needs a redirect_uri");
  const { json } = await postOAuthForm({
    fetch: input.fetch,
    url: client.tokenUrl,
    encoding: client.bodyEncoding,
    purpose: "code exchange",
    body: {
      grant_type: "authorization_code",
      code: input.code,
      state: input.state,
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_verifier: input.codeVerifier,
    },
  });
  return tokensFromResponse(json, input.clock, "code exchange");
}

/**
 * The second half of a login: parse what the user pasted (`code#state` or the callback URL), check the state
 * against the session in constant time, then exchange the code. Throws before any network call on a bad state.
 */
export async function completeAuthorization(input: {
  fetch: FetchFn;
  clock: Clock;
  client: OAuthClientConfig;
  session: AuthorizationSession;
  pasted: string;
}): Promise<OAuthTokens> {
  const { code, state } = parsePastedCode(input.pasted);
  verifyState(input.session, state);
  return exchangeCode({
    fetch: input.fetch,
    clock: input.clock,
    client: input.client,
    code,
    state: input.session.state,
    codeVerifier: input.session.codeVerifier,
  });
}
