import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { type AttemptContext, runWithFailover } from "./failover.ts";
import { createRouter, type RoutingTable } from "./router.ts";
import type { RoutingOptions } from "./routing-options.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");
const acct = (id: string, extra: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  id,
  name: id,
  type: "api-key",
  provider: "openai",
  weight: 1,
  priority: 0,
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
  ...extra,
});
const config: RoutingTable = { accounts: [acct("a"), acct("b"), acct("c")], routes: [], strategy: "priority" };

function setup(options: Partial<RoutingOptions> = {}) {
  let now = T0;
  const clock = () => now;
  const router = createRouter({ clock, options: { failureThreshold: 2, ...options } });
  return { router, clock, advance: (ms: number) => (now += ms) };
}
const upstreamError = (status: number, headers: Record<string, string> = {}) =>
  new GatewayError(status, status === 429 ? "rate_limited" : "upstream_error", `upstream ${status}`, { headers });

describe("runWithFailover", () => {
  test("first account answers: no failover, slot held until release", async () => {
    const { router, clock } = setup();
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
      ctx.report({ kind: "success", ttfbMs: 42 });
      return `served by ${ctx.account.id} as ${ctx.targetModel}`;
    });
    expect(r.value).toBe("served by a as gpt-4o");
    expect(r.failures).toEqual([]);
    expect(router.status("a")).toMatchObject({ inFlight: 1, ewmaTtfbMs: 42 });
    r.release();
    r.release(); // idempotent
    expect(router.status("a").inFlight).toBe(0);
  });

  test("retryable failures move to the next account and are reported", async () => {
    const { router, clock } = setup();
    const seen: string[] = [];
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
      seen.push(`${ctx.attempt}:${ctx.account.id}`);
      if (ctx.account.id === "a") throw upstreamError(429, { "retry-after": "9" });
      if (ctx.account.id === "b") throw new GatewayError(504, "timeout", "upstream first byte timeout", { retryable: true });
      return "ok";
    });
    expect(seen).toEqual(["1:a", "2:b", "3:c"]);
    expect(r.account.id).toBe("c");
    expect(r.failures.map((f) => f.account.id)).toEqual(["a", "b"]);
    expect(router.status("a")).toMatchObject({ state: "cooling", inFlight: 0 });
    expect(router.status("b")).toMatchObject({ consecutiveFailures: 1, inFlight: 0 });
    expect(router.status("c").lastSuccessAt).toBe(T0);
    r.release();
  });

  test("client errors are thrown at once and do not hurt the account", async () => {
    const { router, clock } = setup();
    let calls = 0;
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
      calls++;
      ctx.report({ kind: "http", status: 400, headers: new Headers() });
      throw new GatewayError(400, "invalid_request", "bad field");
    }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(calls).toBe(1);
    expect(router.status("a")).toMatchObject({ state: "healthy", inFlight: 0, recentRequests: 0 });
  });

  test("a client that went away is not retried and not blamed", async () => {
    const { router, clock } = setup();
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async () => {
      throw new GatewayError(499, "invalid_request", "client closed the request");
    }).catch((e) => e);
    expect(err.status).toBe(499);
    expect(router.status("a")).toMatchObject({ consecutiveFailures: 0, inFlight: 0 });
  });

  test("max attempts bounds the accounts tried; the last error is thrown when accounts remain usable", async () => {
    const { router, clock } = setup();
    const seen: string[] = [];
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 2 }, async (ctx) => {
      seen.push(ctx.account.id);
      throw upstreamError(500);
    }).catch((e) => e);
    expect(seen).toEqual(["a", "b"]);
    expect(err.message).toBe("upstream 500");
  });

  test("when no account is left, the last upstream answer is relayed, its headers with it, never the router's verdict", async () => {
    const { router, clock } = setup();
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 5 }, async (ctx) => {
      throw upstreamError(429, { "retry-after": ctx.account.id === "b" ? "7" : "60", "x-ratelimit-remaining-requests": "0" });
    }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 429, message: "upstream 429" });
    expect(err.options.headers).toEqual({ "retry-after": "60", "x-ratelimit-remaining-requests": "0" }); // c's
    // Every account is cooling now: the next request reaches no upstream and gets the router's 429.
    let called = false;
    const next = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 5 }, async () => (called = true)).catch((e) => e);
    expect(called).toBe(false);
    expect(next).toMatchObject({ status: 429, code: "rate_limited", options: { retryAfter: 7 } });
    expect(next.message).toContain("every upstream account for model gpt-4o is unavailable");
  });

  test("one account: its own 429, 529 and 500 answers reach the client, with or without retry-after", async () => {
    for (const [status, headers] of [
      [429, { "retry-after": "1" }],
      [429, {}],
      [529, { "retry-after": "3" }],
      [529, {}],
      [500, {}],
    ] as const) {
      const { router, clock } = setup();
      const solo: RoutingTable = { accounts: [acct("solo")], routes: [] };
      const err = await runWithFailover(router, clock, { config: solo, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
        ctx.report({ kind: "http", status, headers: new Headers(headers) });
        throw upstreamError(status, headers);
      }).catch((e) => e);
      expect(err).toMatchObject({ status, message: `upstream ${status}`, options: { headers } });
      expect(err.options.retryAfter).toBeUndefined(); // nothing the upstream did not say
    }
  });

  test("the last answer wins over later timeouts and connection failures; a 401 is never relayed", async () => {
    const { router, clock } = setup();
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
      if (ctx.account.id === "a") throw upstreamError(503, { "retry-after": "2" });
      if (ctx.account.id === "b") {
        ctx.report({ kind: "http", status: 401, headers: new Headers() });
        throw new GatewayError(401, "authentication", "invalid x-api-key");
      }
      throw new GatewayError(504, "timeout", "upstream first byte timeout", { retryable: true });
    }).catch((e) => e);
    expect(err).toMatchObject({ status: 503, message: "upstream 503" });
  });

  test("no answer at all: every attempt timed out → 504 with the router's Retry-After (breakers open)", async () => {
    const { router, clock } = setup({ failureThreshold: 1 });
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async () => {
      throw new GatewayError(504, "timeout", "upstream first byte timeout", { retryable: true });
    }).catch((e) => e);
    expect(err).toMatchObject({ status: 504, code: "timeout", options: { retryAfter: 10 } });
  });

  test("no answer at all: connection failures that left every account out → the router's 503", async () => {
    const { router, clock } = setup({ failureThreshold: 1 });
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async () => {
      throw new TypeError("fetch failed");
    }).catch((e) => e);
    expect(err).toMatchObject({ status: 503, code: "unavailable", options: { retryAfter: 10 } });
  });

  test("panic mode: every breaker open → the request is tried anyway, soonest to reopen first; its success closes the breaker", async () => {
    const { router, clock, advance } = setup({ failureThreshold: 1 });
    router.report("b", { kind: "network" });
    advance(1000);
    router.report("a", { kind: "network" });
    router.report("c", { kind: "network" });
    const seen: string[] = [];
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
      seen.push(ctx.account.id);
      if (ctx.account.id === "b") throw upstreamError(500);
      return ctx.account.id;
    });
    r.release();
    expect(seen).toEqual(["b", "a"]); // b reopens soonest (it failed first); a and c tie, config order
    expect(router.status("a")).toMatchObject({ state: "healthy", breaker: "closed" });
    expect(router.status("b").state).toBe("circuit_open");
    // Panic mode off: refused with the router's 503.
    const strict = createRouter({ clock, options: { failureThreshold: 1, panicMode: false } });
    for (const id of ["a", "b", "c"]) strict.report(id, { kind: "network" });
    const err = await runWithFailover(strict, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async () => "never").catch((e) => e);
    expect(err).toMatchObject({ status: 503, code: "unavailable" });
  });

  test("thrown network errors (no report) count against the account", async () => {
    const { router, clock } = setup();
    for (let i = 0; i < 2; i++) {
      await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 1 }, async () => {
        throw new TypeError("fetch failed");
      }).catch(() => {});
    }
    expect(router.status("a").state).toBe("circuit_open");
    // Now every request skips a.
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 1 }, async (ctx) => ctx.account.id);
    expect(r.value).toBe("b");
    r.release();
  });

  test("no new attempt after the deadline", async () => {
    const { router, clock, advance } = setup();
    const seen: string[] = [];
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3, deadlineMs: 1000 }, async (ctx: AttemptContext) => {
      seen.push(ctx.account.id);
      expect(ctx.deadlineAt).toBe(T0 + 1000);
      advance(1500);
      throw upstreamError(502);
    }).catch((e) => e);
    expect(seen).toEqual(["a"]);
    expect(err.message).toBe("upstream 502");
  });

  test("a half-open account whose probe is taken is skipped, not counted as an attempt", async () => {
    const { router, clock, advance } = setup();
    router.report("a", { kind: "network" });
    router.report("a", { kind: "network" });
    advance(10_000);
    const held = router.begin("a"); // another request holds the probe
    expect(held).toBe(true);
    const seen: string[] = [];
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 1 }, async (ctx) => {
      seen.push(ctx.account.id);
      return 1;
    });
    expect(seen).toEqual(["b"]);
    r.release();
  });

  test("mid-stream reports after commit count for health only", async () => {
    const { router, clock } = setup();
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async () => "stream");
    r.report({ kind: "network" });
    r.release();
    expect(router.status("a")).toMatchObject({ consecutiveFailures: 1, inFlight: 0 });
  });

  test("plan errors come straight through (404)", async () => {
    const { router, clock } = setup();
    const err = await runWithFailover(router, clock, { config, model: "claude-3", maxAttempts: 3 }, async () => 1).catch((e) => e);
    expect(err.status).toBe(404);
  });

  test("sticky session binds to the account that finally served", async () => {
    const { router, clock } = setup();
    await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3, sessionKey: "s" }, async (ctx) => {
      if (ctx.account.id === "a") throw upstreamError(500);
      return 1;
    }).then((r) => r.release());
    const plan = router.plan(config, "gpt-4o", { sessionKey: "s" });
    expect(plan.candidates[0].id).toBe("b");
  });
});
