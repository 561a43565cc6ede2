import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runLoad, type LoadOptions } from "./load.ts";

const JSON_BODY = JSON.stringify({ ok: true, pad: "x".repeat(300) });
const EVENTS = Array.from({ length: 10 }, (_, i) => `data: {"i":${i}}\n\n`).concat("data: [DONE]\n\n");

let server: ReturnType<typeof Bun.serve>;
let base: string;

function sse(events: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(c) {
      // Split events over chunks unevenly, so separators straddle chunk borders.
      if (i >= events.length) return c.close();
      const e = events[i++]!;
      const cut = Math.floor(e.length / 2) + 1;
      c.enqueue(enc.encode(e.slice(0, cut)));
      c.enqueue(enc.encode(e.slice(cut)));
    },
  });
}

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method === "POST") await req.text();
      if (path === "/json") return new Response(JSON_BODY, { headers: { "content-type": "application/json" } });
      if (path === "/empty") return new Response(null, { status: 204 });
      if (path === "/sse") return new Response(sse(EVENTS), { headers: { "content-type": "text/event-stream" } });
      if (path === "/truncated") return new Response(sse(EVENTS.slice(0, 3)), { headers: { "content-type": "text/event-stream" } });
      if (path === "/close") return new Response(JSON_BODY, { headers: { connection: "close" } });
      return new Response("nope", { status: 500 });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

for (const engine of ["socket", "fetch"] as const) {
  describe(`load generator (${engine})`, () => {
    const run = (o: Partial<LoadOptions>) => runLoad({ url: `${base}/json`, connections: 4, requests: 40, engine, ...o });

    test("Content-Length answers: every request counted with its bytes", async () => {
      const r = await run({ body: '{"q":1}', headers: { "content-type": "application/json" } });
      expect(r).toMatchObject({ requests: 40, ok: 40, errors: 0, non2xx: 0, bytes: 40 * JSON_BODY.length });
      expect(r.latency.p50).toBeGreaterThan(0);
      expect(r.latency.p99).toBeGreaterThanOrEqual(r.latency.p50);
    });

    test("chunked SSE: events counted, terminator checked, time to first byte recorded", async () => {
      const r = await run({ url: `${base}/sse`, stream: true, terminator: "[DONE]" });
      expect(r).toMatchObject({ requests: 40, ok: 40, errors: 0, eventsPerResponse: EVENTS.length });
      expect(r.bytes).toBe(40 * EVENTS.join("").length);
      expect(r.ttfb!.p50).toBeGreaterThan(0);
      expect(r.ttfb!.p50).toBeLessThanOrEqual(r.latency.p50);
    });

    test("a stream without its terminator is an error", async () => {
      const r = await run({ url: `${base}/truncated`, stream: true, terminator: "[DONE]", requests: 8 });
      expect(r.ok).toBe(0);
      expect(r.errors).toBe(8);
      expect(r.samples[0]).toContain("truncated");
    });

    test("non-2xx answers are counted apart, with a sample", async () => {
      const r = await run({ url: `${base}/fail`, requests: 8 });
      expect(r).toMatchObject({ requests: 8, ok: 0, non2xx: 8 });
      expect(r.samples[0]).toContain("HTTP 500");
    });

    test("empty bodies and servers that close the connection", async () => {
      expect(await run({ url: `${base}/empty`, requests: 10 })).toMatchObject({ requests: 10, ok: 10, bytes: 0, errors: 0 });
      expect(await run({ url: `${base}/close`, requests: 12 })).toMatchObject({ requests: 12, ok: 12, errors: 0 });
    });

    test("duration mode measures only the window after warm-up", async () => {
      const r = await runLoad({ url: `${base}/json`, connections: 2, durationMs: 100, warmupMs: 20, engine });
      expect(r.ok).toBe(r.requests);
      expect(r.durationMs).toBe(100);
      expect(r.errors).toBe(0);
    });
  });
}

test("a server that is not there: errors, no hang", async () => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = probe.port;
  probe.stop(true);
  const r = await runLoad({ url: `http://127.0.0.1:${port}/`, connections: 1, requests: 1 });
  expect(r.ok).toBe(0);
  expect(r.errors).toBeGreaterThan(0);
});
