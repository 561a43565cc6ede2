import { heapStats } from "bun:jsc";
import { afterEach, describe, expect, test } from "bun:test";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { testAccount, testApp, testConfig, testKey } from "../../test/support/test-app.ts";

/**
 * A stream lasts as long as the model writes (often minutes), and a coding agent's request is hundreds of KB.
 * Once the stream is committed, nothing may keep that request alive: not its text, its parsed JSON, its conversion
 * nor the upstream body made from it. Measured as the JS heap after a full collection with several such streams
 * held open (each request 2 MB; before this was fixed every open stream kept 2–3 copies of its request).
 */
const BODY_BYTES = 2 << 20;
const STREAMS = 8;

const FIRST_EVENT = new TextEncoder().encode(
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}\n\n`,
);

/** An upstream whose streams send one event and then stay open until cancelled; it keeps nothing of the request. */
function openStreamsUpstream() {
  const open: ReadableStreamDefaultController<Uint8Array>[] = [];
  const fetch: FetchFn = async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(FIRST_EVENT);
          open.push(c);
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  return { fetch, closeAll: () => open.splice(0).forEach((c) => c.close()) };
}

/**
 * A request body of about BODY_BYTES, unique per call. A stream, as a server's request body is: a Request made
 * from a string would keep that string itself, whatever the gateway does.
 */
function bigBody(dialect: "openai" | "anthropic", n: number): ReadableStream<Uint8Array> {
  const prompt = `prompt ${n} `.padEnd(BODY_BYTES, "x");
  const json =
    dialect === "openai"
      ? { model: "gpt-x", stream: true, messages: [{ role: "system", content: prompt }, { role: "user", content: "hi" }] }
      : { model: "gpt-x", stream: true, max_tokens: 16, system: prompt, messages: [{ role: "user", content: "hi" }] };
  let bytes: Uint8Array | undefined = new TextEncoder().encode(JSON.stringify(json));
  return new ReadableStream({
    pull(c) {
      c.enqueue(bytes!);
      bytes = undefined;
      c.close();
    },
  });
}

function liveHeapBytes(): number {
  Bun.gc(true);
  return heapStats().heapSize;
}

const readers: { cancel(): Promise<void> }[] = [];
let closeUpstream = () => {};
afterEach(async () => {
  closeUpstream();
  await Promise.all(readers.splice(0).map((r) => r.cancel().catch(() => {})));
});

describe("an open stream holds none of its request", () => {
  for (const [name, dialect, path] of [
    ["passthrough (OpenAI client, OpenAI upstream)", "openai", "/v1/chat/completions"],
    ["conversion (Anthropic client, OpenAI upstream)", "anthropic", "/v1/messages"],
  ] as const) {
    test(name, async () => {
      const upstream = openStreamsUpstream();
      closeUpstream = upstream.closeAll;
      const { raw, key } = testKey();
      const config = testConfig({
        gateway_keys: [key],
        upstream_accounts: [testAccount({ provider: "openai-compatible", base_url: "http://upstream.test", models: ["gpt-x"] })],
      });
      const gw = testApp(config, { fetch: upstream.fetch });
      const send = async (n: number) => {
        const res = await gw.request(path, {
          method: "POST",
          headers: { authorization: `Bearer ${raw}`, "x-api-key": raw, "content-type": "application/json", "anthropic-version": "2023-06-01" },
          body: bigBody(dialect, n),
        });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        expect((await reader.read()).done).toBe(false); // the stream is running and waits for the upstream's next event
        readers.push(reader);
      };
      await send(0); // warm-up: module state, caches and compiled code are not what is measured
      const before = liveHeapBytes();
      for (let n = 1; n <= STREAMS; n++) await send(n);
      const grown = liveHeapBytes() - before;
      // One copy of each request kept would be STREAMS × 2 MB; an open stream needs a few KB. The margin is for what
      // the rest of a test run may leave for the collector meanwhile.
      expect(grown).toBeLessThan((STREAMS * BODY_BYTES) / 2);
    });
  }
});
