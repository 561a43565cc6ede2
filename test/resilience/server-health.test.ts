/**
 * The running server end to end: the `routing` section of the file drives the router and the active prober,
 * /health carries each account's breaker / cooldown / auth state with a reason (to a key), `status`, `upstream list` and
 * `upstream show` show it (and say plainly when an account fails authentication), a probe brings a fixed
 * account back, and an account removed from the file is forgotten by the health registry.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { ConfigStore } from "../../src/config/store.ts";
import { createRouter } from "../../src/routing/router.ts";
import { routingOptionsFromConfig } from "../../src/runtime/routing-options-from-config.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { sandbox, type Sandbox } from "../cli/cli-harness.ts";
import { testKey } from "../support/test-app.ts";
import { account, fastProxy, statusUpstream, upstreamPool } from "./harness.ts";

let sb: Sandbox;
let server: RunningServer | undefined;
const pool = upstreamPool();
const stops: (() => unknown)[] = [];
beforeEach(() => (sb = sandbox()));
afterEach(async () => {
  await server?.shutdown(0);
  server = undefined;
  await pool.stopAll();
  await Promise.all(stops.splice(0).map((s) => s()));
  sb.cleanup();
});

/** Repeats `probe` until true (5 s limit); yields to the event loop between tries, never a fixed sleep. */
async function eventually(probe: () => Promise<boolean> | boolean, limitMs = 5000) {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error("condition not met");
}

test("auth failure shows in /health, status, upstream list/show; a probe brings the account back; removal is forgotten", async () => {
  const bad = statusUpstream({ post: 401, models: 401 });
  stops.push(bad.stop);
  const good = await pool.start({ mode: "ok", text: "from B" });
  const store = new ConfigStore(sb.config, sb.env);
  const k = testKey();
  store.update((c) => {
    c.gateway_keys.push(k.key);
    c.upstream_accounts.push(
      { ...account("openai-compatible", bad.url, "a"), api_key: store.cipher.encrypt("sk-probe-key-000001") },
      account("anthropic", good.url, "b"),
    );
    c.proxy = { ...c.proxy, ...fastProxy };
    // Seconds, as in the file: probes every 50 ms so the test waits for a condition, not a clock.
    c.routing = { ...c.routing, strategy: "priority", failure_threshold: 2, probe_interval: 0.05 };
  });
  const config = store.load();
  const router = createRouter({ clock: Date.now, options: routingOptionsFromConfig(config.routing) });
  expect(router.options).toMatchObject({ failureThreshold: 2, strategy: "priority", baseOpenMs: 10_000, windowMs: 60_000 });
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", logSink: { write() {} }, router });
  store.update((c) => (c.server.port = server!.port));

  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.raw}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "fault-model", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).choices[0].message.content).toBe("from B");

  // Without a key: status and counts only. With a read key: each account's state. The CLI below shows the states
  // with its operator token (derived from the master key it shares with the server).
  expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: "degraded", accounts: { healthy: 1, total: 2 } });
  const health = (await (await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${k.raw}` } })).json()) as any;
  expect(health.status).toBe("degraded");
  const itemA = health.accounts.items.find((i: { id: string }) => i.id === "up_a");
  expect(itemA).toMatchObject({ state: "auth_failed", reason: "auth_401", consecutive_failures: 0 });
  expect(itemA.detail).toContain("authentication failed (upstream answered 401)");
  expect(health.accounts.items.find((i: { id: string }) => i.id === "up_b")).toEqual({ id: "up_b", state: "healthy" });

  await eventually(() => router.status("up_a").state === "auth_failed");
  const realFetch = (url: string, init?: RequestInit) => fetch(url, init);
  const status = await sb.run(["status"], { fetch: realFetch });
  expect(status.stdout).toMatch(/up_a\s+a\s+openai-compatible\s+active\s+AUTH FAILED \(401\)/);
  expect(status.stdout).toContain("! upstream account a (up_a) fails authentication: the provider answered 401.");
  const statusJson = (await sb.run(["status", "--json"], { fetch: realFetch })).json();
  expect(statusJson.accounts.find((a: { id: string }) => a.id === "up_a")).toMatchObject({ health: "auth_failed", reason: "auth_401" });
  expect(statusJson.problems).toHaveLength(1);
  const list = await sb.run(["upstream", "list"], { fetch: realFetch });
  expect(list.stdout).toMatch(/^ID\s+NAME\s+PROVIDER\s+TYPE\s+STATUS\s+HEALTH/);
  expect(list.stdout).toContain("AUTH FAILED (401)");
  expect(list.stdout).toContain("fails authentication");
  expect((await sb.run(["upstream", "list", "--json"], { fetch: realFetch })).json()[1]).toMatchObject({ id: "up_b", health: "healthy" });
  const show = await sb.run(["upstream", "show", "a"], { fetch: realFetch });
  expect(show.stdout).toMatch(/health:\s+AUTH FAILED \(401\): authentication failed/);
  expect(show.stdout).not.toContain("sk-probe-key-000001");

  // The active prober keeps asking GET /v1/models with the account's real key; once it passes, A is back.
  await eventually(() => bad.seen.some((s) => s.method === "GET"));
  expect(bad.seen.find((s) => s.method === "GET")!.path).toBe("/v1/models");
  expect(router.status("up_a").state).toBe("auth_failed");
  bad.setModels(200);
  bad.setPost(200);
  await eventually(() => router.status("up_a").state === "healthy");
  const after = (await (await fetch(`${server.url}/health`)).json()) as any;
  expect(after).toMatchObject({ status: "ok", accounts: { healthy: 2, total: 2 } });

  // Removing A from the file: the registry forgets it on reload (its passed probe with it).
  expect(router.status("up_a").lastSuccessAt).toBeDefined();
  store.update((c) => (c.upstream_accounts = c.upstream_accounts.filter((a) => a.id !== "up_a")));
  await eventually(() => router.status("up_a").lastSuccessAt === undefined);
});
