import { afterAll, beforeAll, expect, test } from "bun:test";
import { PIECE, STREAM_BODY_FROM, createNetworkFetch } from "./network-fetch.ts";
import type { FetchFn } from "./upstream-fetch.ts";

/** What a server receives: the length headers on the wire and the body. */
let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      return Response.json({
        contentLength: req.headers.get("content-length"),
        transferEncoding: req.headers.get("transfer-encoding"),
        auth: req.headers.get("authorization"),
        body: await req.text(),
      });
    },
  });
});
afterAll(() => server.stop(true));

const post = (fetchFn: FetchFn, body: string) =>
  fetchFn(`http://127.0.0.1:${server.port}/v1/messages`, {
    method: "POST",
    headers: { authorization: "Bearer k", "content-type": "application/json" },
    body,
  }).then((r) => r.json() as Promise<{ contentLength: string | null; transferEncoding: string | null; auth: string; body: string }>);

test("a large body is sent whole, with its length in bytes and not chunked (non-ASCII included)", async () => {
  const body = JSON.stringify({ system: "é—🙂 ".repeat(STREAM_BODY_FROM), messages: [] });
  const seen: unknown[] = [];
  const spy: FetchFn = (input, init) => {
    seen.push(init?.body);
    return fetch(input, init);
  };
  const got = await post(createNetworkFetch(spy), body);
  expect(seen[0]).toBeInstanceOf(ReadableStream); // handed over as a stream, so fetch can let it go once sent
  expect(got.body).toBe(body);
  expect(got.contentLength).toBe(String(Buffer.byteLength(body)));
  expect(got.transferEncoding).toBeNull();
  expect(got.auth).toBe("Bearer k");
});

test("a body of several pieces arrives whole, a surrogate pair on a piece's edge included", async () => {
  // "🙂" is two UTF-16 code units: placed so that its first half is the last unit of the first piece.
  const body = JSON.stringify({ system: `${"a".repeat(PIECE - 12)}🙂${"é".repeat(PIECE)}🙂`, messages: [] });
  expect(body.charCodeAt(PIECE - 1)).toBeGreaterThanOrEqual(0xd800);
  const got = await post(createNetworkFetch(), body);
  expect(got.body).toBe(body);
  expect(got.contentLength).toBe(String(Buffer.byteLength(body)));
});

test("a small body is passed as it is", async () => {
  const seen: unknown[] = [];
  const spy: FetchFn = (input, init) => {
    seen.push(init?.body);
    return fetch(input, init);
  };
  const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
  const got = await post(createNetworkFetch(spy), body);
  expect(seen[0]).toBe(body);
  expect(got.body).toBe(body);
  expect(got.contentLength).toBe(String(body.length));
});

test("through an outbound HTTP proxy (the `environment` setting) a large body arrives the same way", async () => {
  const atProxy: { contentLength: string | null; transferEncoding: string | null }[] = [];
  // A forward proxy for http:// targets: it gets the absolute URL and passes the request on.
  const proxy = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      atProxy.push({ contentLength: req.headers.get("content-length"), transferEncoding: req.headers.get("transfer-encoding") });
      const headers = new Headers(req.headers);
      headers.delete("host");
      return fetch(req.url, { method: req.method, headers, body: await req.text() });
    },
  });
  try {
    const body = JSON.stringify({ system: "é".repeat(STREAM_BODY_FROM), messages: [] });
    const res = await createNetworkFetch()(`http://127.0.0.1:${server.port}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      proxy: `http://127.0.0.1:${proxy.port}`,
    });
    expect(((await res.json()) as { body: string }).body).toBe(body);
    expect(atProxy).toEqual([{ contentLength: String(Buffer.byteLength(body)), transferEncoding: null }]);
  } finally {
    proxy.stop(true);
  }
});
