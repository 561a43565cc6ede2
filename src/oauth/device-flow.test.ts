import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { startFakeOAuthServer, type FakeOAuthServer } from "../../test/fakes/oauth-server.ts";
import { resolveOAuthClient } from "./defaults.ts";
import { pollDeviceFlow, startDeviceFlow } from "./device-flow.ts";
import { OAuthError } from "./oauth-error.ts";
import type { OAuthClientConfig } from "./types.ts";
import { rejectionOf } from "../../test/support/rejection.ts";

let now = 1_700_000_000_000;
const clock = () => now;
let fake: FakeOAuthServer;
let client: OAuthClientConfig;
let sleeps: number[];
// Never waits: it only advances the shared fake clock.
const sleep = async (ms: number) => {
  sleeps.push(ms);
  now += ms;
};

beforeEach(() => {
  now = 1_700_000_000_000;
  sleeps = [];
  fake = startFakeOAuthServer({ clock, deviceInterval: 2, deviceExpiresIn: 300 });
  client = resolveOAuthClient({
    id: "qwen",
    provider: "openai-compatible",
    oauth: { device_code_url: fake.deviceCodeUrl, token_url: fake.deviceTokenUrl, client_id: fake.clientId },
  });
});
afterEach(() => fake.stop());

const caught = (p: Promise<unknown>) => rejectionOf<OAuthError>(p);

describe("device flow (RFC 8628, Qwen's PKCE variant)", () => {
  test("start: user code, URIs, interval and expiry; PKCE challenge sent as a form", async () => {
    const s = await startDeviceFlow({ fetch, clock, client });
    expect(s.userCode).toMatch(/^U\d{6}$/);
    expect(s.verificationUri).toBe(`${fake.url}/device`);
    expect(s.verificationUriComplete).toBe(`${fake.url}/device?user_code=${s.userCode}`);
    expect(s.interval).toBe(2);
    expect(s.expiresAt).toBe(now + 300_000);
    expect(s.codeVerifier).toBeDefined();
    expect(fake.counts.deviceCodes).toBe(1);
  });

  test("pending → slow_down → pending → success: the interval grows by 5 s and the verifier is sent", async () => {
    fake.setDeviceScript(["pending", "slow_down", "pending", "success"]);
    const s = await startDeviceFlow({ fetch, clock, client });
    const tokens = await pollDeviceFlow({ fetch, clock, client, session: s, sleep });
    expect(sleeps).toEqual([2000, 2000, 7000, 7000]);
    expect(fake.counts.devicePolls).toBe(4);
    expect(fake.isAccessTokenLive(tokens.accessToken)).toBe(true);
    expect(tokens.refreshToken).toBeDefined();
    expect(tokens.resourceUrl).toBe("portal.fake.example");
    const poll = fake.tokenRequests.at(-1)!;
    expect(poll.contentType).toBe("application/x-www-form-urlencoded");
    expect(poll.body.grant_type).toBe("urn:ietf:params:oauth:grant-type:device_code");
    // The fake checks the verifier against the challenge from the device request; success proves they match.
    expect(poll.body.code_verifier).toBe(s.codeVerifier!);
  });

  test("denied stops with access_denied", async () => {
    fake.setDeviceScript(["pending", "denied"]);
    const s = await startDeviceFlow({ fetch, clock, client });
    const err = await caught(pollDeviceFlow({ fetch, clock, client, session: s, sleep }));
    expect(err.oauthError).toBe("access_denied");
    expect(fake.counts.devicePolls).toBe(2);
    for (const secret of fake.secrets()) expect(err.message).not.toContain(secret);
  });

  test("server-side expiry stops with expired_token", async () => {
    fake.setDeviceScript(["expired"]);
    const s = await startDeviceFlow({ fetch, clock, client });
    const err = await caught(pollDeviceFlow({ fetch, clock, client, session: s, sleep }));
    expect(err.oauthError).toBe("expired_token");
  });

  test("our own clock passing expires_in stops polling", async () => {
    fake.setDeviceScript(["pending"]);
    const s = await startDeviceFlow({ fetch, clock, client });
    const err = await caught(pollDeviceFlow({ fetch, clock, client, session: s, sleep }));
    expect(err.oauthError).toBe("expired_token");
    // 300 s at 2 s a poll: the last wait crosses the deadline and no poll follows it.
    expect(fake.counts.devicePolls).toBe(149);
  });

  test("a PKCE mismatch at the token endpoint is an error, not a retry", async () => {
    fake.setDeviceScript(["success"]);
    const s = await startDeviceFlow({ fetch, clock, client });
    const err = await caught(pollDeviceFlow({ fetch, clock, client, session: { ...s, codeVerifier: "x".repeat(43) }, sleep }));
    expect(err.oauthError).toBe("invalid_grant");
  });
});
