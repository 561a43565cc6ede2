import { afterEach, describe, expect, test } from "bun:test";
import { startFaultUpstream, type FaultUpstream } from "../../test/fakes/fault-upstream.ts";
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { type AttemptContext, runWithFailover } from "./failover.ts";
import { createRouter } from "./router.ts";

/**
 * The routing core against real sockets: a minimal stand-in for the server's attempt (fetch, classify,
 * read a stream's first event) driven by runWithFailover across fault upstreams.
 */
const upstreams: FaultUpstream[] = [];
afterEach(async () => {
  await Promise.all(upstreams.splice(0).map((u) => u.stop()));
});

async function accounts(...modes: Parameters<typeof startFaultUpstream>[0][]): Promise<UpstreamAccount[]> {
  const out: UpstreamAccount[] = [];
  for (const [i, mode] of modes.entries()) {
    const up = await startFaultUpstream(mode);
    upstreams.push(up);
    out.push({
      id: `u${i}`,
      name: `u${i}`,
      type: "api-key",
      provider: "openai-compatible",
      base_url: up.url,
      models: ["*"],
      weight: 1,
      priority: 0,
      status: "active",
      created_at: "2026-01-01T00:00:00Z",
    });
  }
  return out;
}

/** What the server's attempt does, reduced: first-event check for streams, status/headers reported. */
async function attempt(ctx: AttemptContext, stream: boolean, signal?: AbortSignal): Promise<string> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`${ctx.account.base_url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: ctx.targetModel, stream, messages: [] }),
      signal,
    });
  } catch (e) {
    if (signal?.aborted) throw new GatewayError(504, "timeout", "upstream first byte timeout", { retryable: true });
    throw new GatewayError(502, "upstream_error", "upstream connection failed", { retryable: true, cause: e });
  }
  if (!res.ok) {
    ctx.report({ kind: "http", status: res.status, headers: res.headers });
    await res.body?.cancel();
    const retryAfter = res.headers.get("retry-after");
    throw new GatewayError(res.status, "upstream_error", `upstream answered ${res.status}`, {
      retryable: res.status >= 429,
      headers: retryAfter ? { "retry-after": retryAfter } : undefined,
    });
  }
  const reader = res.body!.getReader();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (stream && text.includes("\n\n")) break; // first whole event: commit
    }
  } catch (e) {
    throw new GatewayError(502, "upstream_error", "upstream body failed before its first event", { retryable: true, cause: e });
  }
  const first = stream ? text.split("\n\n")[0].replace(/^data: /, "") : text;
  try {
    JSON.parse(first);
  } catch {
    throw new GatewayError(502, "upstream_error", "upstream sent malformed data", { retryable: true });
  }
  ctx.report({ kind: "success", ttfbMs: performance.now() - started });
  await reader.cancel().catch(() => {});
  return ctx.account.id;
}

describe("failover over real sockets", () => {
  test("reset, 429, 500, malformed JSON: each falls over until one answers", async () => {
    const accts = await accounts("reset-before-headers", { mode: "429", retryAfter: "20" }, "500", "malformed-json", "ok");
    const router = createRouter({ clock: Date.now });
    const config = { accounts: accts, routes: [], strategy: "priority" as const };
    const r = await runWithFailover(router, Date.now, { config, model: "any", maxAttempts: 5 }, (ctx) => attempt(ctx, false));
    r.release();
    expect(r.value).toBe("u4");
    expect(r.failures.map((f) => f.account.id)).toEqual(["u0", "u1", "u2", "u3"]);
    expect(router.status("u1")).toMatchObject({ state: "cooling", reason: "rate_limited" });
    expect(router.status("u0").consecutiveFailures).toBe(1);
    expect(upstreams.map((u) => u.requests.length)).toEqual([1, 1, 1, 1, 1]);
  });

  test("streams that fail before their first event fall over; a cut stream after it does not", async () => {
    const accts = await accounts("malformed-sse", "reset-mid-stream", "cut-stream");
    const router = createRouter({ clock: Date.now });
    const config = { accounts: accts, routes: [], strategy: "priority" as const };
    const r = await runWithFailover(router, Date.now, { config, model: "any", maxAttempts: 3 }, (ctx) => attempt(ctx, true));
    r.release();
    // reset-mid-stream may or may not deliver its first event before the RST; either way a stream answered.
    expect(["u1", "u2"]).toContain(r.value);
    expect(r.failures[0].account.id).toBe("u0");
  });

  test("client errors are not retried", async () => {
    const accts = await accounts("ok", "ok");
    const router = createRouter({ clock: Date.now });
    const config = { accounts: accts, routes: [], strategy: "priority" as const };
    const err = await runWithFailover(router, Date.now, { config, model: "any", maxAttempts: 2 }, async (ctx) => {
      ctx.report({ kind: "http", status: 400, headers: new Headers() });
      throw new GatewayError(400, "invalid_request", "bad");
    }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(upstreams[1].requests.length).toBe(0);
  });

  test("a hung upstream, timed out by the caller, falls over and its connection is released", async () => {
    const accts = await accounts("hang-before-headers", "ok");
    const router = createRouter({ clock: Date.now });
    const config = { accounts: accts, routes: [], strategy: "priority" as const };
    const r = await runWithFailover(router, Date.now, { config, model: "any", maxAttempts: 2 }, (ctx) => {
      if (ctx.account.id !== "u0") return attempt(ctx, false);
      // Stand-in for the first-byte timer: abort once the upstream holds the request.
      const controller = new AbortController();
      void upstreams[0].waitForRequests(1).then(() => controller.abort());
      return attempt(ctx, false, controller.signal);
    });
    r.release();
    expect(r.value).toBe("u1");
    await upstreams[0].waitForClosed(1);
    expect(router.status("u0").lastFailure?.what).toBe("timed out");
  });

  test("every account rate-limited: the last upstream's 429 is relayed; the next request gets 429 with the earliest Retry-After", async () => {
    const accts = await accounts({ mode: "429", retryAfter: "15" }, { mode: "429", retryAfter: "40" });
    const router = createRouter({ clock: Date.now });
    const config = { accounts: accts, routes: [], strategy: "priority" as const };
    const run = () => runWithFailover(router, Date.now, { config, model: "any", maxAttempts: 3 }, (ctx) => attempt(ctx, false)).catch((e) => e);
    const relayed = await run();
    expect(relayed).toBeInstanceOf(GatewayError);
    expect(relayed).toMatchObject({ status: 429, message: "upstream answered 429", options: { headers: { "retry-after": "40" } } });
    const own = await run();
    expect(own).toMatchObject({ status: 429, code: "rate_limited" });
    expect(own.message).toContain("every upstream account");
    expect(own.options.retryAfter).toBeGreaterThanOrEqual(14);
    expect(own.options.retryAfter).toBeLessThanOrEqual(15);
    expect(upstreams[0].requests.length + upstreams[1].requests.length).toBe(2);
  });
});
