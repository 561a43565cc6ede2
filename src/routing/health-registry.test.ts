import { describe, expect, test } from "bun:test";
import { createHealthRegistry } from "./health-registry.ts";
import { resolveRoutingOptions } from "./routing-options.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");

function setup(overrides = {}) {
  let now = T0;
  const clock = () => now;
  const options = resolveRoutingOptions({ failureThreshold: 3, baseOpenMs: 10_000, ...overrides });
  const reg = createHealthRegistry({ clock, options });
  return { reg, advance: (ms: number) => (now += ms), now: () => now };
}
const http = (status: number, headers: Record<string, string> = {}, errorCode?: string) => ({
  kind: "http" as const,
  status,
  headers: new Headers(headers),
  errorCode,
});

describe("health registry", () => {
  test("a new account is healthy and eligible", () => {
    const { reg } = setup();
    expect(reg.eligible("a")).toBe(true);
    expect(reg.status("a")).toMatchObject({ state: "healthy", inFlight: 0, consecutiveFailures: 0, probeInFlight: false });
  });

  test("client errors change nothing", () => {
    const { reg } = setup();
    for (const s of [400, 404, 413, 422, 400, 400]) reg.report("a", http(s));
    expect(reg.status("a")).toMatchObject({ state: "healthy", consecutiveFailures: 0, recentRequests: 0 });
    expect(reg.status("a").lastFailure).toBeUndefined();
  });

  test("401 marks auth failed until the credential changes", () => {
    const { reg, advance } = setup();
    expect(reg.eligible("a", "fp1")).toBe(true);
    reg.report("a", http(401));
    expect(reg.eligible("a", "fp1")).toBe(false);
    const st = reg.status("a");
    expect(st.state).toBe("auth_failed");
    expect(st.detail).toContain("authentication failed (upstream answered 401)");
    expect(st.until).toBeUndefined();
    advance(3_600_000);
    expect(reg.eligible("a", "fp1")).toBe(false); // time alone does not help
    expect(reg.recoveryAt("a")).toBeUndefined();
    expect(reg.eligible("a", "fp2")).toBe(true); // new key
    expect(reg.status("a").state).toBe("healthy");
  });

  test("403 is cleared by a passing probe", () => {
    const { reg } = setup();
    reg.report("a", http(403));
    expect(reg.begin("a")).toBe(false);
    expect(reg.begin("a", { probe: true })).toBe(true);
    reg.report("a", { kind: "success" });
    reg.end("a");
    expect(reg.status("a").state).toBe("healthy");
  });

  test("429 cools down until Retry-After, then comes back by itself", () => {
    const { reg, advance, now } = setup();
    reg.report("a", http(429, { "retry-after": "20" }));
    const st = reg.status("a");
    expect(st).toMatchObject({ state: "cooling", reason: "rate_limited", until: now() + 20_000 });
    expect(st.detail).toContain("rate limited");
    expect(reg.eligible("a")).toBe(false);
    expect(reg.begin("a")).toBe(false);
    expect(reg.recoveryAt("a")).toBe(now() + 20_000);
    advance(19_999);
    expect(reg.eligible("a")).toBe(false);
    advance(1);
    expect(reg.eligible("a")).toBe(true);
    expect(reg.status("a").state).toBe("healthy");
  });

  test("429 without headers uses the default; a later 429 can only extend", () => {
    const { reg, now } = setup();
    reg.report("a", http(429));
    expect(reg.status("a").until).toBe(now() + 30_000);
    reg.report("a", http(429, { "retry-after": "2" }));
    expect(reg.status("a").until).toBe(now() + 30_000);
  });

  test("529 cools down as overloaded; spend-limit 429 and 402 as billing", () => {
    const { reg, now } = setup();
    reg.report("a", http(529));
    expect(reg.status("a")).toMatchObject({ state: "cooling", reason: "overloaded", until: now() + 10_000 });
    reg.report("b", http(429, { "retry-after": "1" }, "enforced_spend_limit_reached"));
    expect(reg.status("b")).toMatchObject({ state: "cooling", reason: "billing", until: now() + 600_000 });
    reg.report("c", http(402));
    expect(reg.status("c").reason).toBe("billing");
  });

  test("5xx, timeouts and network failures open the breaker; half-open probe closes it", () => {
    const { reg, advance, now } = setup();
    reg.report("a", http(500));
    reg.report("a", { kind: "timeout" });
    expect(reg.status("a")).toMatchObject({ state: "healthy", consecutiveFailures: 2, recentFailures: 2 });
    reg.report("a", { kind: "network" });
    expect(reg.status("a")).toMatchObject({ state: "circuit_open", until: now() + 10_000, breaker: "open" });
    expect(reg.status("a").detail).toContain("circuit open after 3 consecutive failures (last: connection failed)");
    expect(reg.begin("a")).toBe(false);
    advance(10_000);
    expect(reg.status("a")).toMatchObject({ state: "half_open", probeInFlight: false });
    expect(reg.begin("a")).toBe(true);
    expect(reg.status("a")).toMatchObject({ state: "half_open", probeInFlight: true, inFlight: 1 });
    expect(reg.eligible("a")).toBe(false);
    expect(reg.begin("a")).toBe(false); // exactly one probe
    expect(reg.recoveryAt("a")).toBe(now() + 1000);
    reg.report("a", { kind: "success", ttfbMs: 100 });
    reg.end("a");
    expect(reg.status("a")).toMatchObject({ state: "healthy", breaker: "closed", inFlight: 0, consecutiveFailures: 0 });
  });

  test("a probe that ends without a verdict frees the slot", () => {
    const { reg, advance } = setup();
    for (let i = 0; i < 3; i++) reg.report("a", http(502));
    advance(10_000);
    expect(reg.begin("a")).toBe(true);
    reg.report("a", http(400)); // the client's fault: no verdict
    reg.end("a");
    expect(reg.begin("a")).toBe(true);
  });

  test("503 with Retry-After counts as a failure and cools down", () => {
    const { reg, now } = setup();
    reg.report("a", http(503, { "retry-after": "40" }));
    expect(reg.status("a")).toMatchObject({ state: "cooling", reason: "overloaded", until: now() + 40_000, consecutiveFailures: 1 });
  });

  test("moving average of time to first byte", () => {
    const { reg } = setup({ latencyAlpha: 0.5 });
    reg.report("a", { kind: "success", ttfbMs: 100 });
    expect(reg.status("a").ewmaTtfbMs).toBe(100);
    reg.report("a", { kind: "success", ttfbMs: 300 });
    expect(reg.status("a").ewmaTtfbMs).toBe(200);
    reg.report("a", { kind: "success" }); // no timing: unchanged
    expect(reg.status("a").ewmaTtfbMs).toBe(200);
  });

  test("in-flight counts", () => {
    const { reg } = setup();
    reg.begin("a");
    reg.begin("a");
    expect(reg.status("a").inFlight).toBe(2);
    reg.end("a");
    reg.end("a");
    reg.end("a"); // extra end never goes negative
    expect(reg.status("a").inFlight).toBe(0);
  });

  test("reset, forget, list, subscribe", () => {
    const { reg } = setup();
    const seen: string[] = [];
    const off = reg.subscribe((id) => seen.push(id));
    reg.report("a", http(401));
    reg.report("b", http(429));
    reg.report("c", http(404)); // no change, no event
    expect(seen).toEqual(["a", "b"]);
    expect(reg.list().map((s) => s.accountId).sort()).toEqual(["a", "b"]);
    reg.reset("a");
    expect(reg.status("a").state).toBe("healthy");
    reg.forget("b");
    expect(reg.list().map((s) => s.accountId)).toEqual(["a"]);
    off();
    reg.report("a", http(500));
    expect(seen).toEqual(["a", "b", "a", "b"]);
  });

  test("export and import carry breaker, cooldown and auth state", () => {
    const one = setup();
    one.reg.report("a", http(429, { "retry-after": "30" }));
    for (let i = 0; i < 3; i++) one.reg.report("b", http(500));
    one.reg.report("c", http(401));
    const snapshot = JSON.parse(JSON.stringify(one.reg.exportState()));
    const two = setup();
    two.reg.importState(snapshot);
    expect(two.reg.status("a").state).toBe("cooling");
    expect(two.reg.status("b").state).toBe("circuit_open");
    expect(two.reg.status("c").state).toBe("auth_failed");
  });

  test("candidate() says what status() says of an eligible account: clean, recently failed, half-open", () => {
    const { reg, advance } = setup();
    const agree = (id: string) => {
      expect(reg.eligible(id)).toBe(true);
      const st = reg.status(id);
      expect(reg.candidate(id)).toEqual({
        recentlyFailed: st.recentFailures > 0 || st.state === "half_open",
        ewmaTtfbMs: st.ewmaTtfbMs,
        inFlight: st.inFlight,
      });
      return reg.candidate(id).recentlyFailed;
    };
    expect(agree("a")).toBe(false);
    reg.report("a", { kind: "success", ttfbMs: 120 });
    reg.begin("a");
    expect(agree("a")).toBe(false);
    reg.report("a", http(500));
    expect(agree("a")).toBe(true);
    for (let i = 0; i < 3; i++) reg.report("b", http(503));
    expect(reg.eligible("b")).toBe(false); // open
    advance(10_001);
    expect(reg.status("b").state).toBe("half_open");
    expect(agree("b")).toBe(true);
  });
});
