import { describe, expect, test } from "bun:test";
import { createHealthRegistry, type SharedHealthEvent } from "./health-registry.ts";
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

  test("reset forgets failures, cooldowns and auth failures but keeps in-flight counts; forget drops the account", () => {
    const { reg } = setup();
    reg.report("a", http(401));
    reg.begin("b");
    reg.report("b", http(429));
    for (let i = 0; i < 3; i++) reg.report("c", http(500));
    for (const id of ["a", "b", "c"]) reg.reset(id);
    expect(reg.status("a")).toMatchObject({ state: "healthy", lastFailure: undefined });
    expect(reg.status("b")).toMatchObject({ state: "healthy", inFlight: 1 });
    expect(reg.status("c")).toMatchObject({ state: "healthy", breaker: "closed", consecutiveFailures: 0 });
    reg.report("a", { kind: "success", ttfbMs: 80 });
    reg.forget("a");
    expect(reg.status("a")).toMatchObject({ state: "healthy", lastSuccessAt: undefined, ewmaTtfbMs: undefined });
  });

  test("candidate(): a failure demotes the account for baseOpenMs or until a success; half-open with its probe free is a probe", () => {
    const { reg, advance } = setup();
    expect(reg.candidate("a")).toEqual({ probe: false, recentlyFailed: false, ewmaTtfbMs: undefined, inFlight: 0 });
    reg.report("a", { kind: "success", ttfbMs: 120 });
    reg.begin("a");
    expect(reg.candidate("a")).toEqual({ probe: false, recentlyFailed: false, ewmaTtfbMs: 120, inFlight: 1 });
    reg.report("a", http(500));
    expect(reg.candidate("a").recentlyFailed).toBe(true);
    advance(9_999);
    expect(reg.candidate("a").recentlyFailed).toBe(true);
    advance(1);
    expect(reg.candidate("a").recentlyFailed).toBe(false);
    expect(reg.status("a").recentFailures).toBe(1); // still counted by the breaker's window
    reg.report("a", http(500));
    reg.report("a", { kind: "success" });
    expect(reg.candidate("a").recentlyFailed).toBe(false);

    for (let i = 0; i < 3; i++) reg.report("b", http(503));
    expect(reg.eligible("b")).toBe(false); // open
    advance(10_000);
    expect(reg.status("b").state).toBe("half_open");
    expect(reg.candidate("b")).toMatchObject({ probe: true, recentlyFailed: false });
  });

  test("breakerOnlyUntil: open or probing accounts, never cooling or failing auth; panic begin() passes only those", () => {
    const { reg, advance, now } = setup();
    for (let i = 0; i < 3; i++) reg.report("open", http(500));
    reg.report("cool", http(429, { "retry-after": "30" }));
    reg.report("auth", http(401));
    for (let i = 0; i < 3; i++) reg.report("both", http(500));
    reg.report("both", http(429, { "retry-after": "5" }));
    expect(reg.breakerOnlyUntil("open")).toBe(now() + 10_000);
    expect(reg.breakerOnlyUntil("cool")).toBeUndefined();
    expect(reg.breakerOnlyUntil("auth")).toBeUndefined();
    expect(reg.breakerOnlyUntil("both")).toBeUndefined();
    expect(reg.breakerOnlyUntil("fresh")).toBeUndefined();
    for (const id of ["cool", "auth", "both"]) expect(reg.begin(id, { panic: true })).toBe(false);

    // A panic request through an open breaker is its probe: half-open now, and its success closes it.
    expect(reg.begin("open")).toBe(false);
    expect(reg.begin("open", { panic: true })).toBe(true);
    expect(reg.status("open")).toMatchObject({ state: "half_open", probeInFlight: true });
    expect(reg.breakerOnlyUntil("open")).toBe(now()); // still out for ordinary requests: the probe is taken
    expect(reg.begin("open", { panic: true })).toBe(true); // another panic request goes along without the probe
    reg.report("open", { kind: "success" });
    reg.end("open");
    reg.end("open");
    expect(reg.status("open")).toMatchObject({ state: "healthy", breaker: "closed" });

    // A panic request that fails re-opens the breaker, for a doubled period like a failed probe.
    for (let i = 0; i < 3; i++) reg.report("p2", http(500));
    advance(1000);
    expect(reg.begin("p2", { panic: true })).toBe(true);
    reg.report("p2", http(500));
    reg.end("p2");
    expect(reg.status("p2")).toMatchObject({ state: "circuit_open", until: now() + 20_000 });
  });
});

describe("health shared between processes", () => {
  function pair() {
    let now = T0;
    const clock = () => now;
    const options = resolveRoutingOptions({ failureThreshold: 2, baseOpenMs: 10_000 });
    const told: { id: string; event: SharedHealthEvent }[] = [];
    const here = createHealthRegistry({ clock, options, onShared: (id, event) => void told.push({ id, event }) });
    const there = createHealthRegistry({ clock, options });
    const pass = () => {
      for (const t of told.splice(0)) there.applyShared(t.id, t.event);
    };
    return { here, there, told, pass, advance: (ms: number) => (now += ms) };
  }

  test("a cooldown from a 429's Retry-After is told once, with its end; the other process keeps off until then", () => {
    const { here, there, told, pass, advance } = pair();
    here.report("a", http(429, { "retry-after": "30" }));
    expect(told).toEqual([{ id: "a", event: { kind: "cooldown", until: T0 + 30_000, reason: "rate_limited" } }]);
    // The same cooldown again lengthens nothing: nothing to tell.
    here.report("a", http(429, { "retry-after": "30" }));
    expect(told.length).toBe(1);
    pass();
    expect(there.eligible("a")).toBe(false);
    expect(there.status("a")).toMatchObject({ state: "cooling", until: T0 + 30_000 });
    advance(30_001);
    expect(there.eligible("a")).toBe(true);
  });

  test("a breaker that opens, an auth failure, and the account working again are told; applying them tells nothing back", () => {
    const { here, there, told, pass } = pair();
    here.report("a", { kind: "network" });
    expect(told).toEqual([]);
    here.report("a", { kind: "network" });
    expect(told).toEqual([{ id: "a", event: { kind: "open", until: T0 + 10_000 } }]);
    here.report("b", http(401));
    expect(told.at(-1)).toEqual({ id: "b", event: { kind: "auth", status: 401, fingerprint: undefined } });
    pass();
    expect(there.status("a").state).toBe("circuit_open");
    expect(there.status("b").state).toBe("auth_failed");
    expect(there.sharedState("a")).toEqual([{ kind: "open", until: T0 + 10_000 }]);
    // A success on an account that was failing auth: recovered, everywhere.
    here.report("b", { kind: "success" });
    expect(told).toEqual([{ id: "b", event: { kind: "recovered" } }]);
    pass();
    expect(there.status("b").state).toBe("healthy");
    // A success on a healthy account tells nothing.
    here.report("b", { kind: "success" });
    expect(told).toEqual([]);
  });

  test("another process's auth failure is dropped here once this process's credential differs", () => {
    const { there } = pair();
    there.eligible("a", "new-key");
    there.applyShared("a", { kind: "auth", status: 401, fingerprint: "old-key" });
    expect(there.eligible("a", "new-key")).toBe(true);
  });
});
