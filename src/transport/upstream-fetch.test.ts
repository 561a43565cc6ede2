import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { GatewayError } from "../errors.ts";
import { CLIENT_WATCH_DELAY_MS, callUpstream, type FetchFn, type UpstreamTimeouts } from "./upstream-fetch.ts";
import { rejectionOf } from "../../test/support/rejection.ts";

/**
 * The exchange's deadlines against a local server whose answers are paced by the path: headers late, a body
 * that trickles, a body that stops. One timer serves all of them (upstream-fetch.ts), so each is checked here.
 */
let server: ReturnType<typeof Bun.serve>;
const enc = new TextEncoder();

/** A body written as `parts`, `gapMs` apart, without a length (chunked). */
const paced = (parts: string[], gapMs: number, stopAfter = Infinity) =>
  new ReadableStream<Uint8Array>({
    async start(c) {
      for (let i = 0; i < parts.length; i++) {
        if (i >= stopAfter) return; // keeps the connection open without another byte
        if (i > 0) await Bun.sleep(gapMs);
        c.enqueue(enc.encode(parts[i]!));
      }
      c.close();
    },
  });

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/late-headers") await Bun.sleep(300);
      if (path === "/json") return Response.json({ ok: true }); // with content-length
      // Whitespace first, the JSON when "generated": each chunk well inside the idle deadline, all of them past it.
      if (path === "/kept-alive-json") return new Response(paced([" ", " ", " ", " ", '{"ok":true}'], 40));
      if (path === "/stalls") return new Response(paced(["data: 1\n\n", "data: 2\n\n"], 0, 1));
      return new Response("ok");
    },
  });
});
afterAll(() => server.stop(true));

const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
const call = (path: string, timeouts: UpstreamTimeouts, signal = new AbortController().signal, client: { readonly signal: AbortSignal } = { signal }) =>
  callUpstream(fetch as FetchFn, { url: url(path), headers: {}, body: "{}", client, timeouts });
const errorOf = (p: Promise<unknown>) => rejectionOf<GatewayError>(p);

describe("callUpstream deadlines", () => {
  test("headers later than the first-byte deadline: 504 first byte", async () => {
    const err = await errorOf(call("/late-headers", { firstByte: 60, streamIdle: 5000, total: 5000 }));
    expect(err.status).toBe(504);
    expect(err.message).toBe("upstream first byte timeout");
  });

  test("a total deadline shorter than the first-byte one is reported as total", async () => {
    const err = await errorOf(call("/late-headers", { firstByte: 5000, streamIdle: 5000, total: 60 }));
    expect(err.message).toBe("upstream total timeout");
  });

  test("a JSON answer with its length is read whole", async () => {
    const ex = await call("/json", { firstByte: 1000, streamIdle: 1000, total: 2000 });
    expect(JSON.parse(await ex.text())).toEqual({ ok: true });
  });

  test("a body without a length renews the idle deadline with every chunk (whitespace kept alive past it)", async () => {
    const ex = await call("/kept-alive-json", { firstByte: 1000, streamIdle: 100, total: 5000 });
    expect((await ex.text()).trim()).toBe('{"ok":true}');
  });

  test("a body that stops: the pending read fails on the idle deadline; the total deadline ends a slow one", async () => {
    const ex = await call("/stalls", { firstByte: 1000, streamIdle: 80, total: 5000 });
    expect(new TextDecoder().decode(await ex.read())).toBe("data: 1\n\n");
    const idle = await errorOf(ex.read());
    expect(idle.message).toBe("upstream stream idle timeout");

    const ex2 = await call("/stalls", { firstByte: 1000, streamIdle: 5000, total: 120 });
    await ex2.read();
    const total = await errorOf(ex2.read());
    expect(total.message).toBe("upstream total timeout");
  });

  test("the client going away aborts the exchange with 499", async () => {
    const client = new AbortController();
    const ex = await call("/stalls", { firstByte: 1000, streamIdle: 5000, total: 5000 }, client.signal);
    await ex.read();
    const pending = errorOf(ex.read());
    client.abort();
    expect((await pending).status).toBe(499);
  });

  test("the client's signal is not even read by an exchange that ends before the watch starts", async () => {
    let reads = 0;
    const signal = new AbortController().signal;
    const client = {
      get signal() {
        reads++;
        return signal;
      },
    };
    const ex = await call("/json", { firstByte: 1000, streamIdle: 1000, total: 2000 }, signal, client);
    await ex.text();
    expect(reads).toBe(0);
  });

  test("a client gone before the call still ends a waiting exchange with 499 once the watch starts", async () => {
    const client = new AbortController();
    client.abort();
    // The upstream answers after 300 ms: a 499 means the exchange ended at the watch, well before that.
    expect(CLIENT_WATCH_DELAY_MS).toBeLessThan(300);
    const err = await errorOf(call("/late-headers", { firstByte: 5000, streamIdle: 5000, total: 5000 }, client.signal));
    expect(err.status).toBe(499);
  });

  test("a fetch that throws instead of rejecting is a retryable 502, not an escape", async () => {
    const throwing = (() => {
      throw new TypeError("bad init");
    }) as unknown as FetchFn;
    const timeouts = { firstByte: 1000, streamIdle: 1000, total: 1000 };
    const err = await errorOf(callUpstream(throwing, { url: url("/json"), headers: {}, body: "{}", client: { signal: new AbortController().signal }, timeouts }));
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(502);
    expect(err.options.retryable).toBe(true);
    expect(err.message).toStartWith("upstream connection failed");
  });
});
