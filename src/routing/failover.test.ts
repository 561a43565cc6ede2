import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { type AttemptContext, runWithFailover } from "./failover.ts";
import { createRouter, type RoutingTable } from "./router.ts";

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

function setup() {
  let now = T0;
  const clock = () => now;
  const router = createRouter({ clock, options: { failureThreshold: 2 } });
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

  test("when every account ends up rate-limited: 429 with the earliest Retry-After", async () => {
    const { router, clock } = setup();
    const err = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 5 }, async (ctx) => {
      throw upstreamError(429, { "retry-after": ctx.account.id === "b" ? "7" : "60" });
    }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(429);
    expect(err.options.retryAfter).toBe(7);
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
