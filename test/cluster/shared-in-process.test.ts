// Two gateways (startServer, each with its own config file) sharing one memory backend, as two instances share Redis
// (the same code: only the backend differs): spend budgets, admin sessions, kept Responses answers, sticky sessions,
// an open breaker and an authentication failure, all seen by the other instance.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEventBus } from "../../src/cluster/event-bus.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { createMemoryBackend } from "../../src/state/memory-backend.ts";
import type { SharedBackend } from "../../src/state/shared-backend.ts";
import { dayStartOf } from "../../src/usage/ledger/spend-tracker.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { until } from "../support/gateway-process.ts";
import { testAccount, testKey } from "../support/test-app.ts";
import { usageUpstream } from "../fakes/usage-upstream.ts";

const env = { LLM_GATEWAY_MASTER_KEY: "9".repeat(64) };
let dirs: string[] = [];
let servers: RunningServer[] = [];
beforeEach(() => {
  dirs = [mkdtempSync(join(tmpdir(), "lgw-shared-a-")), mkdtempSync(join(tmpdir(), "lgw-shared-b-"))];
  servers = [];
});
afterEach(async () => {
  for (const s of servers) await s.shutdown(1000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Counts one process's reads of many keys at once (shared spend reads totals that way, every second). */
function spied(memory: SharedBackend) {
  let mgets = 0;
  const backend: SharedBackend = { ...memory, mget: (keys) => (mgets++, memory.mget(keys)), up: true } as SharedBackend;
  return { backend, mgets: () => mgets };
}

function twoGateways(setup: (c: import("../../src/config/schema.ts").Config) => void, fetch: FetchFn) {
  const memory = createMemoryBackend();
  const storeA = new ConfigStore(join(dirs[0]!, "config.yaml"), env);
  storeA.update(setup);
  copyFileSync(storeA.path, join(dirs[1]!, "config.yaml"));
  const storeB = new ConfigStore(join(dirs[1]!, "config.yaml"), env);
  const make = (store: ConfigStore) => {
    const spy = spied(memory);
    const server = startServer({
      store,
      host: "127.0.0.1",
      port: 0,
      version: "t",
      logSink: { write() {} },
      fetch,
      shared: { backend: spy.backend, bus: createEventBus(spy.backend) },
    });
    servers.push(server);
    return { url: server.url, mgets: spy.mgets };
  };
  return { memory, a: make(storeA), b: make(storeB) };
}

const chat = (url: string, key: string, model: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });

test("a daily budget spent through one instance is spent for the other", async () => {
  const key = testKey({ name: "team", budget_usd_daily: 0.001 });
  const up = usageUpstream();
  const { memory, b } = twoGateways((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(testAccount({ provider: "openai-compatible", base_url: "http://oa.test/v1", models: ["gpt-*"] }));
    c.usage.prices = { "gpt-priced": { input: 2, output: 10 } };
  }, up.fetch);
  const a = servers[0]!.url;
  // 0.0004 a request: the third is refused by A itself.
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await chat(a, key.raw, "gpt-priced")).status);
  expect(statuses).toEqual([200, 200, 200, 429]);
  // B never served this key; once its totals are read after A's spend reached the shared counter, it refuses too.
  const counter = `spend:key:${key.key.id}:d:${dayStartOf(Date.now())}`;
  await until(async () => Number(await memory.get(counter)) >= 0.001, "A's spend in the shared counter");
  const reads = b.mgets();
  await until(() => b.mgets() > reads, "B to read the shared totals");
  const refused = await chat(b.url, key.raw, "gpt-priced");
  expect(refused.status).toBe(429);
  expect(await refused.text()).toContain("over its daily budget");
});

test("an admin session made on one instance works on the other; signing out there ends it everywhere", async () => {
  const admin = testKey({ name: "ops", permissions: ["read", "write", "admin"] });
  const { a, b } = twoGateways((c) => void c.gateway_keys.push(admin.key), usageUpstream().fetch);
  const signIn = await fetch(`${a.url}/admin/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: admin.raw }) });
  expect(signIn.status).toBe(200);
  const { csrf_token } = (await signIn.json()) as { csrf_token: string };
  const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
  const who = await fetch(`${b.url}/admin/api/session`, { headers: { cookie } });
  expect(who.status).toBe(200);
  expect(((await who.json()) as { csrf_token: string }).csrf_token).toBe(csrf_token);
  expect((await fetch(`${b.url}/admin/api/session`, { method: "DELETE", headers: { cookie, "x-csrf-token": csrf_token } })).status).toBe(200);
  expect((await fetch(`${a.url}/admin/api/session`, { headers: { cookie } })).status).toBe(401);
});

test("a Responses answer kept by one instance continues on the other (previous_response_id, GET, DELETE)", async () => {
  const key = testKey();
  const bodies: unknown[] = [];
  const up = usageUpstream();
  const fetchAndKeep = (async (input: Request | string | URL, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    return up.fetch(input as Request, init);
  }) as FetchFn;
  const { a, b } = twoGateways((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(testAccount({ provider: "openai-compatible", base_url: "http://oa.test/v1", models: ["gpt-*"] }));
  }, fetchAndKeep);
  const responses = (url: string, body: unknown) =>
    fetch(`${url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${key.raw}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const first = (await (await responses(a.url, { model: "gpt-x", input: "my name is Ada" })).json()) as { id: string };
  const second = await responses(b.url, { model: "gpt-x", input: "what is my name?", previous_response_id: first.id });
  expect(second.status).toBe(200);
  expect(JSON.stringify(bodies.at(-1))).toContain("my name is Ada");
  expect((await fetch(`${b.url}/v1/responses/${first.id}`, { headers: { authorization: `Bearer ${key.raw}` } })).status).toBe(200);
  expect((await fetch(`${b.url}/v1/responses/${first.id}`, { method: "DELETE", headers: { authorization: `Bearer ${key.raw}` } })).status).toBe(200);
  expect((await fetch(`${a.url}/v1/responses/${first.id}`, { headers: { authorization: `Bearer ${key.raw}` } })).status).toBe(404);
});

test("a conversation stays on one account whichever instance its requests reach", async () => {
  const key = testKey();
  const up = usageUpstream();
  const { a, b } = twoGateways((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(
      testAccount({ name: "one", provider: "openai-compatible", base_url: "http://one.test/v1", models: ["gpt-*"] }),
      testAccount({ name: "two", provider: "openai-compatible", base_url: "http://two.test/v1", models: ["gpt-*"] }),
    );
  }, up.fetch);
  for (const session of ["s1", "s2", "s3", "s4"]) {
    expect((await chat(a.url, key.raw, "gpt-x", { "x-session-id": session })).status).toBe(200);
    const bound = up.seen.at(-1);
    for (let i = 0; i < 3; i++) {
      expect((await chat(b.url, key.raw, "gpt-x", { "x-session-id": session })).status).toBe(200);
      expect(up.seen.at(-1)).toBe(bound);
    }
  }
});

test("a breaker opened and an authentication failure seen by one instance show on the other", async () => {
  const key = testKey({ permissions: ["read", "write"] });
  const up = usageUpstream();
  up.fail.add("sick.test");
  let badCalls = 0;
  const fetchWith401 = (async (input: Request | string | URL, init?: RequestInit) => {
    const host = new URL(typeof input === "string" || input instanceof URL ? input : input.url).host;
    if (host === "bad.test" && ++badCalls) return Response.json({ error: { message: "invalid api key", type: "authentication_error" } }, { status: 401 });
    return up.fetch(input as Request, init);
  }) as FetchFn;
  const sick = testAccount({ name: "sick", provider: "openai-compatible", base_url: "http://sick.test/v1", models: ["sick-*"] });
  const bad = testAccount({ name: "bad", provider: "openai-compatible", base_url: "http://bad.test/v1", models: ["bad-*"] });
  const { a, b } = twoGateways((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(sick, bad);
    c.routing.failure_threshold = 2;
  }, fetchWith401);
  for (let i = 0; i < 2; i++) await chat(a.url, key.raw, "sick-1");
  await chat(a.url, key.raw, "bad-1");
  const stateOn = async (url: string, id: string) =>
    ((await (await fetch(`${url}/health`, { headers: { authorization: `Bearer ${key.raw}` } })).json()) as any).accounts.items.find((i: any) => i.id === id)?.state;
  await until(async () => (await stateOn(b.url, sick.id)) === "circuit_open", "B to see the open breaker");
  await until(async () => (await stateOn(b.url, bad.id)) === "auth_failed", "B to see the auth failure");
  // B sends the account failing auth nothing (its only account for the model: refused without a call).
  expect(badCalls).toBe(1);
  expect((await chat(b.url, key.raw, "bad-1")).status).toBe(503);
  expect(badCalls).toBe(1);
});
