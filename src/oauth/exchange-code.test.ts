import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { startFakeOAuthServer, type FakeOAuthServer } from "../../test/fakes/oauth-server.ts";
import { startAuthorization } from "./anthropic-authorize.ts";
import { resolveOAuthClient } from "./defaults.ts";
import { completeAuthorization, exchangeCode } from "./exchange-code.ts";
import { OAuthError } from "./oauth-error.ts";
import { createPkcePair } from "./pkce.ts";
import { refreshTokens } from "./refresh-token.ts";
import type { OAuthClientConfig } from "./types.ts";
import { rejectionOf } from "../../test/support/rejection.ts";

let now = 1_700_000_000_000;
const clock = () => now;
let fake: FakeOAuthServer;
let client: OAuthClientConfig;

beforeEach(() => {
  now = 1_700_000_000_000;
  fake = startFakeOAuthServer({ clock, codeTtlMs: 10 * 60_000, accessTtlSec: 28_800 });
  // Per-account overrides point the Anthropic flow at the fake server.
  client = resolveOAuthClient({
    id: "acc",
    provider: "anthropic",
    oauth: { authorize_url: fake.authorizeUrl, token_url: fake.tokenUrl, client_id: fake.clientId, redirect_uri: fake.redirectUri },
  });
});
afterEach(() => fake.stop());

const caught = (p: Promise<unknown>) => rejectionOf<OAuthError>(p);

function expectNoSecrets(err: Error) {
  const text = `${err.message} ${String((err.cause as Error | undefined)?.message ?? "")}`;
  for (const s of fake.secrets()) expect(text).not.toContain(s);
}

describe("login (authorization code + PKCE)", () => {
  test("round trip: authorize URL → pasted CODE#STATE → JSON exchange → tokens with expiry", async () => {
    const session = startAuthorization(client);
    // The "browser": the fake's authorize endpoint answers with what the callback page shows.
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
    const pasted = await page.text();
    expect(pasted).toContain(`#${session.state}`);

    const tokens = await completeAuthorization({ fetch, clock, client, session, pasted: `  ${pasted}\n` });
    expect(fake.isAccessTokenLive(tokens.accessToken)).toBe(true);
    expect(tokens.refreshToken).toStartWith("fake-rt-");
    expect(tokens.expiresAt).toBe(now + 28_800_000);

    const req = fake.tokenRequests[0]!;
    expect(req.contentType).toBe("application/json");
    expect(Object.keys(req.body).sort()).toEqual(["client_id", "code", "code_verifier", "grant_type", "redirect_uri", "state"]);
    expect(req.body.grant_type).toBe("authorization_code");
    expect(req.body.code_verifier).toBe(session.codeVerifier);
    expect(req.body.state).toBe(session.state);
  });

  test("a wrong state is refused before any exchange", async () => {
    const session = startAuthorization(client);
    const code = fake.mintCode({ state: session.state, codeChallenge: new URL(session.url).searchParams.get("code_challenge")! });
    const err = await caught(completeAuthorization({ fetch, clock, client, session, pasted: `${code}#not-the-state` }));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.oauthError).toBe("invalid_state");
    expect(fake.counts.tokenCalls).toBe(0);
    expectNoSecrets(err);
  });

  test("an expired code surfaces invalid_grant with the server's description and no secrets", async () => {
    const session = startAuthorization(client);
    const code = fake.mintCode({ state: session.state, codeChallenge: new URL(session.url).searchParams.get("code_challenge")! });
    now += 11 * 60_000;
    const err = await caught(completeAuthorization({ fetch, clock, client, session, pasted: `${code}#${session.state}` }));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.oauthError).toBe("invalid_grant");
    expect(err.status).toBe(401);
    expect(err.code).toBe("authentication");
    expect(err.message).toContain("authorization code expired");
    expectNoSecrets(err);
  });

  test("a verifier that does not match the challenge is rejected by the server", async () => {
    const session = startAuthorization(client);
    const other = createPkcePair();
    const code = fake.mintCode({ state: session.state, codeChallenge: other.challenge });
    const err = await caught(exchangeCode({ fetch, clock, client, code, state: session.state, codeVerifier: session.codeVerifier }));
    expect(err.oauthError).toBe("invalid_grant");
    expect(err.message).toContain("PKCE");
    expectNoSecrets(err);
  });

  test("an unreachable token endpoint is a retryable upstream error without secrets", async () => {
    const failing = async () => {
      throw new Error("connect ECONNREFUSED");
    };
    const err = await caught(exchangeCode({ fetch: failing, clock, client, code: "c0de-secret", state: "s", codeVerifier: "v" }));
    expect(err.status).toBe(502);
    expect(err.options.retryable).toBe(true);
    expect(err.message).not.toContain("c0de-secret");
  });
});

describe("refreshTokens", () => {
  test("JSON refresh_token grant with rotation", async () => {
    const t = fake.issueTokens();
    const next = await refreshTokens({ fetch, clock, client, refreshToken: t.refreshToken });
    expect(next.refreshToken).not.toBe(t.refreshToken);
    expect(fake.isAccessTokenLive(next.accessToken)).toBe(true);
    const req = fake.tokenRequests.at(-1)!;
    expect(req.contentType).toBe("application/json");
    expect(req.body).toEqual({ grant_type: "refresh_token", refresh_token: t.refreshToken, client_id: fake.clientId });
  });

  test("form encoding for RFC servers; the old refresh token is kept when not rotated", async () => {
    await fake.stop();
    fake = startFakeOAuthServer({ clock, rotateRefreshTokens: false });
    const qwen = resolveOAuthClient({ id: "q", provider: "openai-compatible", oauth: { token_url: fake.deviceTokenUrl, client_id: fake.clientId } });
    const t = fake.issueTokens();
    const next = await refreshTokens({ fetch, clock, client: qwen, refreshToken: t.refreshToken });
    expect(next.refreshToken).toBe(t.refreshToken);
    expect(fake.tokenRequests.at(-1)!.contentType).toBe("application/x-www-form-urlencoded");
  });

  test("reusing a rotated refresh token is invalid_grant and names no token", async () => {
    const t = fake.issueTokens();
    await refreshTokens({ fetch, clock, client, refreshToken: t.refreshToken });
    const err = await caught(refreshTokens({ fetch, clock, client, refreshToken: t.refreshToken }));
    expect(err.oauthError).toBe("invalid_grant");
    expectNoSecrets(err);
  });
});

describe("error text from the token endpoint", () => {
  test("a server that echoes the secret back has it scrubbed", async () => {
    const echo = async (_u: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as Record<string, string>;
      return new Response(JSON.stringify({ error: "invalid_grant", error_description: `token ${body.refresh_token} is revoked` }), {
        status: 400,
      });
    };
    const err = await caught(refreshTokens({ fetch: echo, clock, client, refreshToken: "sk-ant-ort01-SECRET" }));
    expect(err.message).toBe("OAuth refresh failed: invalid_grant: token [redacted] is revoked (HTTP 400)");
  });
});
