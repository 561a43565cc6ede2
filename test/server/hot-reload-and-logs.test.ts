import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { testAccount, testKey } from "../support/test-app.ts";

let dir: string;
let server: RunningServer | undefined;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lgw-reload-"))));
afterEach(async () => {
  await server?.shutdown(0);
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const env = { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) };
const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "hi" }] }),
  });

/** Repeats `probe` until it is true or 5 s pass; each round yields to the event loop, never a fixed sleep. */
async function eventually(probe: () => Promise<boolean>, limitMs = 5000) {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error("condition not met");
}

test("keys and accounts changed through the store apply without a restart; an invalid edit keeps the last good config", async () => {
  const store = new ConfigStore(join(dir, "config.yaml"), env);
  const first = testKey();
  store.update((c) => {
    c.gateway_keys.push(first.key);
    c.upstream_accounts.push(testAccount());
  });
  const logs: string[] = [];
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", logSink: { write: (t) => logs.push(t) } });
  expect((await chat(server.url, first.raw)).status).toBe(200);

  const second = testKey();
  new ConfigStore(store.path, env).update((c) => c.gateway_keys.push(second.key));
  await eventually(async () => (await chat(server!.url, second.raw)).status === 200);

  // A broken file is refused: the server keeps serving with what it had.
  const good = readFileSync(store.path, "utf8");
  writeFileSync(store.path, "server:\n  port: not-a-port\n");
  await eventually(async () => logs.join("").includes("configuration change rejected"));
  expect((await chat(server.url, second.raw)).status).toBe(200);

  // Disabling a key takes effect the same way (once the file is valid again).
  writeFileSync(store.path, good);
  new ConfigStore(store.path, env).update((c) => {
    c.gateway_keys = [first.key, { ...second.key, status: "disabled" }];
    c.upstream_accounts.push(testAccount());
  });
  await eventually(async () => (await chat(server!.url, second.raw)).status === 401);
  expect((await chat(server.url, first.raw)).status).toBe(200);
});

test("one JSON access-log line per request with ids, route, model, account, status and latency — and no secret", async () => {
  const store = new ConfigStore(join(dir, "config.yaml"), env);
  const k = testKey();
  const account = testAccount();
  store.update((c) => {
    c.gateway_keys.push(k.key);
    c.upstream_accounts.push(account);
  });
  let text = "";
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", logSink: { write: (t) => (text += t) } });
  const res = await chat(server.url, k.raw);
  expect(res.status).toBe(200);
  const bad = await chat(server.url, "lgw_wrong-key-value");
  expect(bad.status).toBe(401);
  await eventually(async () => text.split("\n").filter((l) => l.includes('"msg":"request"')).length >= 2);
  const lines = text.trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
  expect(lines[0]).toMatchObject({ level: "info", route: "/v1/chat/completions", key_id: k.key.id, model: "mock-1", account: account.id, status: 200 });
  expect(typeof lines[0].latency_ms).toBe("number");
  expect(lines[0].request_id).toBe(res.headers.get("x-request-id"));
  expect(lines[1]).toMatchObject({ status: 401 });
  expect(text).not.toContain(k.raw);
  expect(text).not.toContain("wrong-key-value");
});
