import { describe, expect, test } from "bun:test";
import {
  breakerAcquire,
  breakerAllows,
  breakerFailure,
  breakerPhase,
  breakerRelease,
  breakerSuccess,
  createBreaker,
  windowCounts,
} from "./circuit-breaker.ts";

const s = {
  failureThreshold: 3,
  errorRateThreshold: 0.5,
  minRequestsInWindow: 6,
  windowMs: 60_000,
  baseOpenMs: 10_000,
  maxOpenMs: 35_000,
  probeLeaseMs: 60_000,
};

describe("circuit breaker", () => {
  test("opens after N consecutive failures; a success in between resets the count", () => {
    const b = createBreaker();
    breakerFailure(b, 0, s);
    breakerFailure(b, 1, s);
    breakerSuccess(b, 2, s);
    breakerFailure(b, 3, s);
    breakerFailure(b, 4, s);
    expect(breakerPhase(b, 5)).toBe("closed");
    breakerFailure(b, 5, s);
    expect(breakerPhase(b, 6)).toBe("open");
    expect(b.openUntil).toBe(10_005);
    expect(breakerAllows(b, 10_004)).toBe(false);
  });

  test("opens on the error rate over the window once enough requests were seen", () => {
    const b = createBreaker();
    // Alternating: never 3 in a row, but half of them fail.
    for (let i = 0; i < 5; i++) {
      if (i % 2 === 0) breakerFailure(b, i, s);
      else breakerSuccess(b, i, s);
    }
    expect(breakerPhase(b, 5)).toBe("closed"); // 5 requests < minRequestsInWindow
    breakerSuccess(b, 5, s);
    breakerFailure(b, 6, s); // 7 requests, 4 failures
    expect(breakerPhase(b, 7)).toBe("open");
  });

  test("old failures leave the window", () => {
    const b = createBreaker();
    for (let i = 0; i < 3; i++) {
      breakerFailure(b, i * 1000, s);
      breakerSuccess(b, i * 1000 + 1, s);
      breakerSuccess(b, i * 1000 + 2, s);
    }
    expect(windowCounts(b, 10_000, s)).toEqual({ ok: 6, fail: 3 });
    expect(windowCounts(b, 200_000, s)).toEqual({ ok: 0, fail: 0 });
    breakerFailure(b, 200_000, s);
    expect(breakerPhase(b, 200_000)).toBe("closed");
  });

  test("half-open lets exactly one probe through; success closes", () => {
    const b = createBreaker();
    for (let i = 0; i < 3; i++) breakerFailure(b, 0, s);
    expect(breakerAcquire(b, 9_999, s)).toBe(false);
    expect(breakerPhase(b, 10_000)).toBe("half_open");
    expect(breakerAcquire(b, 10_000, s)).toBe(true);
    expect(breakerAcquire(b, 10_001, s)).toBe(false);
    expect(breakerAllows(b, 10_001)).toBe(false);
    breakerSuccess(b, 10_500, s);
    expect(breakerPhase(b, 10_500)).toBe("closed");
    expect(breakerAcquire(b, 10_501, s)).toBe(true);
    expect(breakerAcquire(b, 10_501, s)).toBe(true);
  });

  test("a failed probe reopens for a longer period, capped; a close resets the growth", () => {
    const b = createBreaker();
    for (let i = 0; i < 3; i++) breakerFailure(b, 0, s);
    expect(b.openUntil).toBe(10_000);
    breakerAcquire(b, 10_000, s);
    breakerFailure(b, 10_000, s);
    expect(breakerPhase(b, 10_000)).toBe("open");
    expect(b.openUntil).toBe(30_000); // 20 s
    breakerAcquire(b, 30_000, s);
    breakerFailure(b, 30_000, s);
    expect(b.openUntil).toBe(65_000); // 40 s capped to 35 s
    breakerAcquire(b, 65_000, s);
    breakerSuccess(b, 65_000, s);
    for (let i = 0; i < 3; i++) breakerFailure(b, 70_000, s);
    expect(b.openUntil).toBe(80_000); // back to the base period
  });

  test("a probe released without a verdict lets the next request probe; a lost probe expires", () => {
    const b = createBreaker();
    for (let i = 0; i < 3; i++) breakerFailure(b, 0, s);
    expect(breakerAcquire(b, 10_000, s)).toBe(true);
    breakerRelease(b);
    expect(breakerAcquire(b, 10_001, s)).toBe(true);
    expect(breakerAcquire(b, 10_002, s)).toBe(false);
    expect(breakerAcquire(b, 10_001 + 60_000, s)).toBe(true);
  });

  test("a late success while open does not close the breaker", () => {
    const b = createBreaker();
    for (let i = 0; i < 3; i++) breakerFailure(b, 0, s);
    breakerSuccess(b, 100, s);
    expect(breakerPhase(b, 100)).toBe("open");
  });
});
