import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { serverProcessEnv } from "../../src/process/relaunch.ts";
import type { HealthDocument } from "../../src/server/health-document.ts";
import { serverOutput } from "../smoke/smoke.ts";
import { testAccount, testKey } from "../support/test-app.ts";

/**
 * The ledger's crash guarantee in a real gateway process: `server start` serving traffic, killed with SIGKILL
 * while requests are in flight. Every batch committed before the kill is in the file, whole, with its totals; the
 * rows lost are the ones still waiting for their batch (fewer than batch_size), never a committed one.
 */

const dir = mkdtempSync(join(tmpdir(), "lgw-usage-crash-"));
let child: ReturnType<typeof Bun.spawn> | undefined;
// An upstream that takes requests and never answers: requests in flight at the moment of the kill.
const held: Request[] = [];
const hanging = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (held.push(req), new Promise<Response>(() => {})) });
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  hanging.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const tick = () => new Promise<void>((r) => setImmediate(r));

test("kill -9 mid-traffic: committed batches whole with their totals, at most the unfinished batch lost", async () => {
  const BATCH = 50;
  const configPath = join(dir, "config.yaml");
  const masterKey = "c".repeat(64);
  const store = new ConfigStore(configPath, { LLM_GATEWAY_MASTER_KEY: masterKey });
  const key = testKey();
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(
      testAccount({ name: "mock", provider: "mock", models: ["mock-*"] }),
      testAccount({ name: "slow", provider: "openai-compatible", base_url: `http://127.0.0.1:${hanging.port}/v1`, models: ["slow-*"] }),
    );
    // A flush interval far longer than the test: rows are written only as whole batches.
    c.usage.batch_size = BATCH;
    c.usage.flush_interval = 60;
  });
  const env = serverProcessEnv({ ...process.env, HOME: dir, LLM_GATEWAY_MASTER_KEY: masterKey });
  const repo = join(import.meta.dir, "..", "..");
  child = Bun.spawn([process.execPath, join(repo, "src", "main.ts"), "server", "start", "--config", configPath, "--host", "127.0.0.1", "--port", "0"], {
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const url = await serverOutput(child.stdout as ReadableStream<Uint8Array>).url;
  const ask = (model: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.raw}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
  const answered = async (n: number) => {
    for (let i = 0; i < n; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => ask("mock-1")));
      for (const r of batch) expect(r.status).toBe(200);
    }
  };

  const ledger = async () =>
    ((await (await fetch(`${url}/health`, { headers: { authorization: `Bearer ${key.raw}` } })).json()) as HealthDocument).usage_ledger!;

  await answered(120);
  // Full batches are written at once, and what arrives while one is being written goes in the next write: wait
  // until every row is written or waiting, fewer than a batch of them (the flush interval is far away).
  let state = await ledger();
  for (let i = 0; i < 100_000 && !(state.written + state.buffered === 120 && state.buffered < BATCH); i++) state = await ledger();
  expect(state.written + state.buffered).toBe(120);
  expect(state.written).toBeGreaterThanOrEqual(BATCH);

  // Requests in flight at the kill (not recorded yet: a row is recorded when its request ends).
  const inFlight = Array.from({ length: 5 }, () => ask("slow-1").catch(() => undefined));
  for (let i = 0; i < 200_000 && held.length < 5; i++) await tick();
  expect(held.length).toBe(5);
  // Rows only move from waiting to written from here on.
  const before = await ledger();
  expect(before.buffered).toBeLessThan(BATCH);

  child.kill("SIGKILL");
  expect(await child.exited).not.toBe(0);
  await Promise.all(inFlight);

  const after = new Database(join(dir, "usage.db"));
  const rows = (after.query("SELECT COUNT(*) AS n FROM usage_requests").get() as { n: number }).n;
  const hourly = (after.query("SELECT COALESCE(SUM(requests), 0) AS n FROM usage_hourly").get() as { n: number }).n;
  const daily = (after.query("SELECT COALESCE(SUM(requests), 0) AS n FROM usage_daily").get() as { n: number }).n;
  const integrity = (after.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
  after.close();
  // Everything committed is there, whole, with its totals; lost: at most the rows still waiting, fewer than a batch.
  expect({ hourly, daily, integrity }).toEqual({ hourly: rows, daily: rows, integrity: "ok" });
  expect(rows).toBeGreaterThanOrEqual(before.written);
  expect(120 - rows).toBeLessThanOrEqual(before.buffered);
}, 60_000);
