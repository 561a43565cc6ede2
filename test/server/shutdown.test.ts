import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer } from "../../src/runtime/start-server.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { testAccount, testKey } from "../support/test-app.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lgw-shutdown-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("graceful shutdown lets a stream in flight finish, then stops", async () => {
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "b".repeat(64) });
  const k = testKey();
  store.update((c) => {
    c.gateway_keys.push(k.key);
    c.upstream_accounts.push(testAccount({ provider: "openai-compatible", base_url: "http://upstream.test/v1" }));
  });

  // An upstream stream the test releases by hand.
  let push!: (s: string) => void;
  let close!: () => void;
  const upstreamBody = new ReadableStream<Uint8Array>({
    start(c) {
      const enc = new TextEncoder();
      push = (s) => c.enqueue(enc.encode(s));
      close = () => c.close();
    },
  });
  const chunk = (content: string, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
  const fakeFetch = (async () => {
    push(chunk("first"));
    return new Response(upstreamBody, { headers: { "content-type": "text/event-stream" } });
  }) as FetchFn;

  const server = startServer({
    store,
    host: "127.0.0.1",
    port: 0,
    version: "test",
    logSink: { write() {} },
    fetch: fakeFetch,
  });
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.raw}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = dec.decode((await reader.read()).value);
  expect(text).toContain("first");

  const stopping = server.shutdown(10_000);
  // New connections are refused once shutdown began.
  await expect(fetch(`${server.url}/health`)).rejects.toThrow();

  push(chunk("second"));
  push(chunk("", "stop"));
  push("data: [DONE]\n\n");
  close();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += dec.decode(value);
  }
  expect(text).toContain("second");
  expect(text).toContain("[DONE]");
  expect(await stopping).toEqual({ forced: false });
});
