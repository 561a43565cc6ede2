import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { startRecordingUpstream, type RecordingUpstream } from "../fakes/recording-upstream.ts";
import { testAccount, testKey } from "../support/test-app.ts";

// The running server and its configuration file: sealed proxy credentials opened for outbound calls, a file emptied
// or cut short while running (the last good configuration stays, said once), and the log's start and stop lines.

let dir: string;
let server: RunningServer | undefined;
let upstream: RecordingUpstream | undefined;
let proxy: ReturnType<typeof Bun.serve> | undefined;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lgw-runtime-config-"))));
afterEach(async () => {
  await server?.shutdown(0);
  server = undefined;
  await upstream?.stop();
  upstream = undefined;
  proxy?.stop(true);
  proxy = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const env = { LLM_GATEWAY_MASTER_KEY: "d".repeat(64) };
const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "hi" }] }),
  });

/** Repeats `probe` until it is true or 5 s pass; each round yields to the event loop, never a fixed sleep. */
async function eventually(probe: () => boolean | Promise<boolean>, limitMs = 5000) {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error("condition not met");
}

const jsonLines = (text: string) => text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

test("a proxy password stored encrypted is opened for outbound calls, and a new one applies after a reload", async () => {
  upstream = startRecordingUpstream();
  const seenAuth: (string | null)[] = [];
  // A forward proxy for http:// targets: it records the credentials and passes the request on.
  proxy = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      seenAuth.push(req.headers.get("proxy-authorization"));
      const headers = new Headers(req.headers);
      headers.delete("host");
      headers.delete("proxy-authorization");
      return fetch(req.url, { method: req.method, headers, body: await req.text() });
    },
  });
  const store = new ConfigStore(join(dir, "config.yaml"), env);
  const k = testKey();
  store.update((c) => {
    c.gateway_keys.push(k.key);
    c.upstream_accounts.push(testAccount({ provider: "openai-compatible", base_url: `${upstream!.url}/v1`, models: ["*"] }));
    c.environment.http_proxy = `http://gw:first-secret@127.0.0.1:${proxy!.port}`;
    c.environment.no_proxy = "";
  });
  expect(readFileSync(store.path, "utf8")).not.toContain("first-secret");

  const reply = { json: { id: "c", object: "chat.completion", created: 0, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] } };
  upstream.enqueue(reply, reply);
  let logs = "";
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", logSink: { write: (t) => (logs += t) } });
  expect((await chat(server.url, k.raw)).status).toBe(200);
  expect(seenAuth).toEqual([`Basic ${btoa("gw:first-secret")}`]);

  new ConfigStore(store.path, env).update((c) => {
    c.environment.http_proxy = `http://gw:second-secret@127.0.0.1:${proxy!.port}`;
  });
  await eventually(() => logs.includes("configuration reloaded"));
  expect((await chat(server.url, k.raw)).status).toBe(200);
  expect(seenAuth[1]).toBe(`Basic ${btoa("gw:second-secret")}`);
  expect(logs).not.toContain("secret");
});

test("an emptied or cut-short file keeps the last good configuration; each rejection is a JSON log line", async () => {
  const store = new ConfigStore(join(dir, "config.yaml"), env);
  const k = testKey();
  store.update((c) => {
    c.gateway_keys.push(k.key, testKey().key, testKey().key);
    c.upstream_accounts.push(testAccount());
  });
  const good = readFileSync(store.path, "utf8");
  let logs = "";
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", logSink: { write: (t) => (logs += t) } });
  const rejections = () => jsonLines(logs).filter((l) => l.msg === "configuration change rejected; keeping the last good configuration");

  // `echo > config.yaml`
  writeFileSync(store.path, "\n");
  await eventually(() => rejections().length === 1);
  expect(rejections()[0]).toMatchObject({ level: "error" });
  expect(String(rejections()[0]!.error)).toContain("is empty");
  expect((await chat(server.url, k.raw)).status).toBe(200);

  // A write cut short in the middle of an entry.
  writeFileSync(store.path, good.slice(0, good.indexOf("key_prefix")));
  await eventually(() => rejections().length === 2);
  expect(String(rejections()[1]!.error)).toContain("gateway_keys[0]");
  expect((await chat(server.url, k.raw)).status).toBe(200);

  writeFileSync(store.path, good);
  await eventually(() => logs.includes("configuration reloaded"));
  expect(rejections()).toHaveLength(2);
});

test("the start and stop lines are lines of the JSON log, whatever the log level", async () => {
  const store = new ConfigStore(join(dir, "config.yaml"), env);
  store.update((c) => {
    c.logging.level = "error";
  });
  let logs = "";
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "9.9.9", logSink: { write: (t) => (logs += t) } });
  expect(jsonLines(logs)).toEqual([
    { time: expect.any(String), level: "info", msg: `listening on ${server.url}`, url: server.url, version: "9.9.9", config: store.path },
  ]);
  const running = server;
  server = undefined;
  await running.shutdown(0, "SIGTERM");
  expect(jsonLines(logs).slice(1)).toEqual([
    { time: expect.any(String), level: "info", msg: "stopping: finishing requests in flight", signal: "SIGTERM", grace_s: 0 },
    { time: expect.any(String), level: "info", msg: "stopped", forced: false },
  ]);
});
