/**
 * One account's circuit breaker, as plain data plus functions (the health registry owns the objects).
 * closed ──(N consecutive failures, or failure rate ≥ threshold over the window)──► open
 * open ──(open period elapsed; computed lazily from the clock)──► half_open
 * open ──(panic mode: every account is out, this one is tried anyway)──► half_open at once, that request the probe
 * half_open ──(a success)──► closed;  ──(a failure)──► open, period doubled (capped)
 * Only failures that say the account is sick count: 5xx, timeouts, connection failures.
 * Half-open lets one request through at a time (the probe). The router gives that request to the account even
 * while other accounts are healthy, so the cycle ends the same way whether or not the account is needed.
 */

export type BreakerPhase = "closed" | "open" | "half_open";

export interface BreakerSettings {
  failureThreshold: number;
  errorRateThreshold: number;
  minRequestsInWindow: number;
  windowMs: number;
  baseOpenMs: number;
  maxOpenMs: number;
  probeLeaseMs: number;
}

/** Outcome counts per slice of the window; a ring of small buckets keeps memory constant. */
interface Bucket {
  start: number;
  ok: number;
  fail: number;
}

export interface BreakerState {
  phase: BreakerPhase;
  consecutiveFailures: number;
  /** While open: when the half-open probe becomes allowed. */
  openUntil: number;
  /** Opens since the last close; drives the growing open period. */
  reopenCount: number;
  /** While half-open: a probe is out until this time (0 = none). */
  probeLeaseUntil: number;
  /** When the last failure was counted (0 = never): the router puts the account behind clean ones for a while. */
  lastFailureAt: number;
  buckets: Bucket[];
}

const BUCKETS = 10;

export function createBreaker(): BreakerState {
  return { phase: "closed", consecutiveFailures: 0, openUntil: 0, reopenCount: 0, probeLeaseUntil: 0, lastFailureAt: 0, buckets: [] };
}

/** The current phase; moves open → half_open once the open period is over. */
export function breakerPhase(b: BreakerState, now: number): BreakerPhase {
  if (b.phase === "open" && now >= b.openUntil) {
    b.phase = "half_open";
    b.probeLeaseUntil = 0;
  }
  return b.phase;
}

/** Whether a request may be sent now (without taking the probe slot). */
export function breakerAllows(b: BreakerState, now: number): boolean {
  const phase = breakerPhase(b, now);
  if (phase === "closed") return true;
  return phase === "half_open" && b.probeLeaseUntil <= now;
}

/** Takes permission for one request; in half-open this is the one probe, and it is exclusive. */
export function breakerAcquire(b: BreakerState, now: number, s: BreakerSettings): boolean {
  if (!breakerAllows(b, now)) return false;
  if (b.phase === "half_open") b.probeLeaseUntil = now + s.probeLeaseMs;
  return true;
}

/**
 * Panic mode: every account that serves the model is out, and this one's breaker is the only reason. The request
 * goes through anyway. An open breaker turns half-open now and the request is its probe (its success closes the
 * breaker, its failure re-opens it); when the probe is already out, the request goes along without one.
 */
export function breakerPanicAcquire(b: BreakerState, now: number, s: BreakerSettings): void {
  if (breakerPhase(b, now) === "open") {
    b.phase = "half_open";
    b.openUntil = now;
  }
  if (b.phase === "half_open" && b.probeLeaseUntil <= now) b.probeLeaseUntil = now + s.probeLeaseMs;
}

/** A probe ended without a verdict (client went away, client error): let the next request probe. */
export function breakerRelease(b: BreakerState): void {
  if (b.phase === "half_open") b.probeLeaseUntil = 0;
}

export function breakerSuccess(b: BreakerState, now: number, s: BreakerSettings): void {
  bucketAt(b, now, s).ok++;
  b.consecutiveFailures = 0;
  // A late success from a request sent before the breaker opened proves little: an open breaker stays open.
  // Half-open, the success is the probe's (or a panic-mode request's): the account works, close.
  if (b.phase === "half_open") {
    b.phase = "closed";
    b.reopenCount = 0;
    b.probeLeaseUntil = 0;
    b.buckets = [];
  }
}

export function breakerFailure(b: BreakerState, now: number, s: BreakerSettings): void {
  bucketAt(b, now, s).fail++;
  b.consecutiveFailures++;
  b.lastFailureAt = now;
  const phase = breakerPhase(b, now);
  if (phase === "half_open") return open(b, now, s);
  if (phase !== "closed") return;
  if (b.consecutiveFailures >= s.failureThreshold) return open(b, now, s);
  const { ok, fail } = windowCounts(b, now, s);
  if (ok + fail >= s.minRequestsInWindow && fail / (ok + fail) >= s.errorRateThreshold) open(b, now, s);
}

/**
 * Another gateway process opened its breaker for this account until `until` (src/cluster/health-sharing.ts): open
 * here too, at least as long. The open periods' doubling stays each process's own.
 */
export function breakerOpenUntil(b: BreakerState, until: number): void {
  if (b.phase === "open" && b.openUntil >= until) return;
  b.phase = "open";
  b.openUntil = until;
  b.probeLeaseUntil = 0;
}

/** Another gateway process saw the account work again after failures: closed, as after a passed probe. */
export function breakerClose(b: BreakerState): void {
  b.phase = "closed";
  b.consecutiveFailures = 0;
  b.reopenCount = 0;
  b.probeLeaseUntil = 0;
  b.buckets = [];
}

/** Successes and failures within the window ending now. */
export function windowCounts(b: BreakerState, now: number, s: Pick<BreakerSettings, "windowMs">): { ok: number; fail: number } {
  let ok = 0;
  let fail = 0;
  for (const bucket of b.buckets) {
    if (bucket.start > now - s.windowMs) {
      ok += bucket.ok;
      fail += bucket.fail;
    }
  }
  return { ok, fail };
}

function open(b: BreakerState, now: number, s: BreakerSettings): void {
  const period = Math.min(s.maxOpenMs, s.baseOpenMs * 2 ** b.reopenCount);
  b.phase = "open";
  b.openUntil = now + period;
  b.reopenCount++;
  b.probeLeaseUntil = 0;
}

function bucketAt(b: BreakerState, now: number, s: BreakerSettings): Bucket {
  const width = Math.max(1, Math.floor(s.windowMs / BUCKETS));
  const start = now - (now % width);
  const last = b.buckets[b.buckets.length - 1];
  if (last && last.start === start) return last;
  const bucket = { start, ok: 0, fail: 0 };
  b.buckets.push(bucket);
  // Drop slices that left the window (and never keep more than the ring size).
  while (b.buckets.length > BUCKETS + 1 || (b.buckets.length && b.buckets[0].start <= now - s.windowMs - width)) {
    b.buckets.shift();
  }
  return bucket;
}
