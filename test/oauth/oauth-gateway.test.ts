// OAuth accounts through a running gateway (startServer) against the fake OAuth server, which also plays the
// Anthropic upstream (/v1/messages accepts only live access tokens): bearer + beta header, 50 concurrent
// requests at expiry → one refresh, the 401 refresh-and-retry, invalid_grant → needs re-login and failover,
// and no token material in the server's logs or the config file.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UpstreamAccount } from "../../src/config/schema.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { createConfigTokenPersistence } from "../../src/oauth/config-persistence.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { startFakeOAuthServer, type FakeOAuthServer } from "../fakes/oauth-server.ts";
import { testAccount, testKey } from "../support/test-app.ts";

const MIN = 60_000;
const env = { LLM_GATEWAY_MASTER_KEY: "e".repeat(64) };
let dir: string;
let store: ConfigStore;
let now: number;
const clock = () => now;
let fake: FakeOAuthServer;
let server: RunningServer | undefined;
let logs: string;
let gatewayKey: string;
let oauthAccount: UpstreamAccount;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "lgw-oauth-gw-"));
  store = new ConfigStore(join(dir, "config.yaml"), env);
  now = Date.now();
  logs = "";
  // One clock for the gateway and the OAuth server, so "at expiry" means the same to both.
  fake = startFakeOAuthServer({ clock });
  const issued = fake.issueTokens();
  const k = testKey();
  gatewayKey = k.raw;
  oauthAccount = testAccount({
    name: "claude-oauth",
    type: "oauth",
    provider: "anthropic",
    base_url: fake.url,
    oauth: { token_url: fake.tokenUrl, client_id: fake.clientId, authorize_url: fake.authorizeUrl, redirect_uri: fake.redirectUri },
  });
  store.update((c) => {
    c.logging.level = "debug";
    c.gateway_keys.push(k.key);
    c.upstream_accounts.push(oauthAccount);
  });
  // Tokens that expire in 10 minutes: outside the 5-minute margin (and the background pass's look-ahead) at start.
  await createConfigTokenPersistence({ store }).save(oauthAccount.id, {
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: now + 10 * MIN,
  });
});

afterEach(async () => {
  await server?.shutdown(0);
  server = undefined;
  // Tokens never in the logs or the config file in plaintext.
  const file = readFileSync(store.path, "utf8");
  for (const secret of fake.secrets()) {
    expect(logs).not.toContain(secret);
    expect(file).not.toContain(secret);
  }
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start() {
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", clock, logSink: { write: (t) => void (logs += t) } });
  return server;
}

const ask = (model = "claude-sonnet-4-5", beta?: string) =>
  fetch(`${server!.url}/v1/messages`, {
    method: "POST",
    headers: {
      "x-api-key": gatewayKey,
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      ...(beta && { "anthropic-beta": beta }),
    },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });

/** Repeats `probe` until it holds or 5 s pass; each round yields to the event loop, never a fixed sleep. */
async function eventually(probe: () => Promise<boolean>, limitMs = 5000) {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error("condition not met");
}

const stored = () => createConfigTokenPersistence({ store: new ConfigStore(store.path, env) }).load(oauthAccount.id);

test("OAuth account: Bearer token and the OAuth beta merged with the client's betas", async () => {
  start();
  const res = await ask(undefined, "tools-2024-05-16");
  expect(res.status).toBe(200);
  const body = (await res.json()) as { beta: string };
  expect(body.beta).toBe("tools-2024-05-16,oauth-2025-04-20");
  expect(fake.counts.refreshes).toBe(0);
});

test("50 concurrent requests at expiry cause exactly one refresh; the rotated pair is saved before use", async () => {
  start();
  const before = (await stored())!;
  now += 6 * MIN; // 4 minutes left: inside the refresh margin, still valid at the upstream
  const answers = await Promise.all(Array.from({ length: 50 }, () => ask()));
  expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
  expect(fake.counts.refreshes).toBe(1);
  expect(fake.counts.messages).toBe(50);
  const after = (await stored())!;
  expect(after.refreshToken).not.toBe(before.refreshToken);
  expect(after.expiresAt).toBe(now + 3600_000);
  expect(fake.isAccessTokenLive(after.accessToken)).toBe(true);

  // Later requests use the new token without refreshing again, even before the server's config reload.
  expect((await ask()).status).toBe(200);
  expect(fake.counts.refreshes).toBe(1);
});

test("a 401 from the upstream triggers one refresh and one retry", async () => {
  start();
  fake.revokeAccessToken((await stored())!.accessToken);
  const res = await ask();
  expect(res.status).toBe(200);
  expect(fake.counts.refreshes).toBe(1);
  expect(fake.counts.messages).toBe(2);
  expect(fake.isAccessTokenLive((await stored())!.accessToken)).toBe(true);
});

test("invalid_grant: the account is marked as needing a login and kept; requests go to another account", async () => {
  // A standby account for the same models.
  store.update((c) => c.upstream_accounts.push(testAccount({ name: "standby", provider: "mock", models: ["claude*"], priority: 1 })));
  start();
  fake.setRefreshInvalid(true);
  now += 11 * MIN; // expired: a refresh is needed and there is no valid token to fall back on
  const res = await ask();
  expect(res.status).toBe(200);
  expect(fake.counts.refreshes).toBe(1);
  expect(fake.counts.messages).toBe(0);

  const account = new ConfigStore(store.path, env).read().upstream_accounts.find((a) => a.id === oauthAccount.id)!;
  expect(account.oauth!.needs_reauth).toBe(true);
  expect(account.oauth!.refresh_token).toStartWith("enc:v1:");

  // Further requests never send the dead refresh token again.
  for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(200);
  expect(fake.counts.refreshes).toBe(1);
});

test("invalid_grant with no other account: a clean error, and the log names the account", async () => {
  start();
  fake.setRefreshInvalid(true);
  now += 11 * MIN;
  const res = await ask();
  // The account is at fault, not the client's request or key: the router's "unavailable" answer, not a 401.
  expect(res.status).toBe(503);
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  expect(body.type).toBe("error");
  expect(body.error.message).toContain("claude-oauth: authentication failed");
  expect(new ConfigStore(store.path, env).read().upstream_accounts[0]!.oauth!.needs_reauth).toBe(true);

  // Once the server has reloaded the file, routing leaves the account out: no further upstream or token calls.
  await eventually(async () => (await ask()).status === 404);
  const routed = (await (await ask()).json()) as { error: { message: string } };
  expect(routed.error.message).toContain("no enabled upstream account");
  expect(fake.counts.refreshes).toBe(1);
  expect(fake.counts.messages).toBe(0);

  // The log says which account needs a login (and nothing secret: checked after each test).
  await server!.shutdown(0);
  server = undefined;
  expect(logs).toContain("oauth account needs a new login");
  expect(logs).toContain(oauthAccount.id);
});
