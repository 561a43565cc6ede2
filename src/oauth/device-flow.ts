import { Type as T, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { GatewayError } from "../errors.ts";
import { OAuthError } from "./oauth-error.ts";
import { createPkcePair, cryptoRandomBytes, type RandomBytes } from "./pkce.ts";
import { TokenErrorResponse, oauthErrorFrom, postOAuthForm, tokensFromResponse } from "./token-endpoint.ts";
import type { Clock, OAuthClientConfig, OAuthTokens, Sleep } from "./types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";

/** RFC 8628 §3.2 device authorization response. */
export const DeviceCodeResponse = T.Object({
  device_code: T.String({ minLength: 1 }),
  user_code: T.String({ minLength: 1 }),
  verification_uri: T.Optional(T.String()),
  /** Some servers (Google) spell it this way. */
  verification_url: T.Optional(T.String()),
  verification_uri_complete: T.Optional(T.String()),
  expires_in: T.Optional(T.Number()),
  interval: T.Optional(T.Number()),
});

/** RFC 8628 §3.2: clients use 5 seconds when the server names no interval. */
const DEFAULT_INTERVAL_S = 5;
/** RFC 8628 §3.5: on slow_down the interval grows by 5 seconds for this and all later polls. */
const SLOW_DOWN_STEP_S = 5;
/** Used when the server names no lifetime for the device code. */
const DEFAULT_DEVICE_EXPIRES_S = 600;

/** A device login in progress. `deviceCode` and `codeVerifier` are secrets: show the user only userCode and the URIs. */
export interface DeviceFlowSession {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds between polls, as the server asked. */
  interval: number;
  /** Epoch ms after which the device code is dead. */
  expiresAt: number;
  deviceCode: string;
  codeVerifier?: string;
}

export async function startDeviceFlow(input: {
  fetch: FetchFn;
  clock: Clock;
  client: OAuthClientConfig;
  random?: RandomBytes;
}): Promise<DeviceFlowSession> {
  const { client } = input;
  if (!client.deviceCodeUrl) throw new GatewayError(400, "config", "device login needs oauth.device_code_url");
  const body: Record<string, string> = { client_id: client.clientId };
  if (client.scopes) body.scope = client.scopes;
  const pkce = client.devicePkce ? createPkcePair(input.random ?? cryptoRandomBytes) : undefined;
  if (pkce) {
    body.code_challenge = pkce.challenge;
    body.code_challenge_method = pkce.method;
  }
  const { json } = await postOAuthForm({
    fetch: input.fetch,
    url: client.deviceCodeUrl,
    encoding: "form",
    purpose: "device authorization",
    body,
  });
  if (!Value.Check(DeviceCodeResponse, json)) {
    throw new GatewayError(502, "upstream_error", "OAuth device authorization: answer has no device_code/user_code");
  }
  const r = json as Static<typeof DeviceCodeResponse>;
  const verificationUri = r.verification_uri ?? r.verification_url ?? r.verification_uri_complete;
  if (!verificationUri) {
    throw new GatewayError(502, "upstream_error", "OAuth device authorization: answer has no verification_uri");
  }
  const session: DeviceFlowSession = {
    userCode: r.user_code,
    verificationUri,
    interval: r.interval && r.interval > 0 ? r.interval : DEFAULT_INTERVAL_S,
    expiresAt: input.clock() + (r.expires_in && r.expires_in > 0 ? r.expires_in : DEFAULT_DEVICE_EXPIRES_S) * 1000,
    deviceCode: r.device_code,
  };
  if (r.verification_uri_complete) session.verificationUriComplete = r.verification_uri_complete;
  if (pkce) session.codeVerifier = pkce.verifier;
  return session;
}

/**
 * Polls the token endpoint until the user approves (tokens), denies (`access_denied`) or the code dies
 * (`expired_token`, or our own clock passing `expiresAt`). Waits `interval` seconds before each poll and adds
 * 5 s on `slow_down` (RFC 8628 §3.5). `sleep` is injected; `onPoll` reports each wait (for tests and UIs).
 */
export async function pollDeviceFlow(input: {
  fetch: FetchFn;
  clock: Clock;
  client: OAuthClientConfig;
  session: DeviceFlowSession;
  sleep: Sleep;
  signal?: AbortSignal;
  onPoll?: (info: { intervalSeconds: number; attempt: number }) => void;
}): Promise<OAuthTokens> {
  const { client, session } = input;
  const secrets = [session.deviceCode, session.codeVerifier ?? ""];
  let interval = session.interval;
  const expired = () =>
    new OAuthError(401, "authentication", "expired_token", "device login expired before it was approved; start it again");
  for (let attempt = 1; ; attempt++) {
    if (input.signal?.aborted) throw new GatewayError(408, "timeout", "device login was cancelled");
    if (input.clock() >= session.expiresAt) throw expired();
    input.onPoll?.({ intervalSeconds: interval, attempt });
    await input.sleep(interval * 1000);
    if (input.clock() >= session.expiresAt) throw expired();
    const body: Record<string, string> = {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: client.clientId,
      device_code: session.deviceCode,
    };
    if (session.codeVerifier) body.code_verifier = session.codeVerifier;
    let json: unknown;
    let error: OAuthError | undefined;
    try {
      ({ json } = await postOAuthForm({ fetch: input.fetch, url: client.tokenUrl, encoding: "form", purpose: "device login", body }));
      // Some servers answer 200 with an RFC error body while pending.
      if (Value.Check(TokenErrorResponse, json) && !(json as { access_token?: unknown }).access_token) {
        error = oauthErrorFrom(400, json, "device login", secrets);
      }
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      error = e;
    }
    if (error) {
      if (error.oauthError === "authorization_pending") continue;
      if (error.oauthError === "slow_down") {
        interval += SLOW_DOWN_STEP_S;
        continue;
      }
      if (error.oauthError === "access_denied") {
        throw new OAuthError(401, "authentication", "access_denied", "device login was denied by the user");
      }
      if (error.oauthError === "expired_token") throw expired();
      throw error;
    }
    return tokensFromResponse(json, input.clock, "device login");
  }
}
