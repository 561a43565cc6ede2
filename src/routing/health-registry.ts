import {
  type BreakerSettings,
  type BreakerState,
  breakerAcquire,
  breakerAllows,
  breakerClose,
  breakerFailure,
  breakerOpenUntil,
  breakerPanicAcquire,
  breakerPhase,
  breakerRelease,
  breakerSuccess,
  createBreaker,
  windowCounts,
} from "./circuit-breaker.ts";
import { classifyOutcome, type UpstreamOutcome } from "./classify-outcome.ts";
import { cooldownFromHeaders, retryAfterMs } from "./cooldown-from-headers.ts";
import type { RoutingOptions } from "./routing-options.ts";

/** `spend_capped` is the router's (RouterDeps.hold), not the registry's: the registry never sets it. */
export type HealthState = "healthy" | "cooling" | "circuit_open" | "half_open" | "auth_failed" | "spend_capped";
export type CooldownReason = "rate_limited" | "overloaded" | "billing";

/** One account's health as shown by `status`, `upstream list/show` and `/health`. Plain data. */
export interface AccountStatus {
  accountId: string;
  state: HealthState;
  /** Epoch ms when the account comes back by itself (cooling, circuit_open). */
  until?: number;
  /** Why it is not healthy: `rate_limited`, `overloaded`, `billing`, `auth_401`, `failures`, `spend_cap_daily`, `spend_cap_monthly`. */
  reason?: string;
  /** One plain sentence for people. */
  detail: string;
  breaker: "closed" | "open" | "half_open";
  consecutiveFailures: number;
  /** Requests and failures seen within the breaker window. */
  recentRequests: number;
  recentFailures: number;
  /** Moving average of time to first byte; absent until the first success with a timing. */
  ewmaTtfbMs?: number;
  inFlight: number;
  /** Half-open with its one probe request out. */
  probeInFlight: boolean;
  lastSuccessAt?: number;
  lastFailure?: { at: number; what: string };
}

interface AccountHealth {
  breaker: BreakerState;
  cooldown?: { until: number; reason: CooldownReason };
  auth?: { status: number; since: number; fingerprint?: string };
  ewmaTtfbMs?: number;
  lastSuccessAt?: number;
  lastFailure?: { at: number; what: string };
  inFlight: number;
  /** Credential fingerprint last seen by the router (to notice a changed key after an auth failure). */
  seenFingerprint?: string;
}

/**
 * A change of an account's health that the other gateway processes should apply too (src/cluster/health-sharing.ts):
 * a cooldown (rate limit, overload, billing), an authentication failure, a breaker that opened, or the account
 * working again after an auth failure or an open breaker. Plain data, sent as JSON.
 */
export type SharedHealthEvent =
  | { kind: "cooldown"; until: number; reason: CooldownReason }
  | { kind: "auth"; status: number; fingerprint?: string }
  | { kind: "open"; until: number }
  | { kind: "recovered" };

/** What a routing strategy weighs for an eligible account (see strategies.ts). */
export interface CandidateHealth {
  /** Half-open with no probe out: the next request sent to it is the probe. */
  probe: boolean;
  /** Failed less than `baseOpenMs` ago with no success since: health-first puts it behind clean accounts. */
  recentlyFailed: boolean;
  ewmaTtfbMs?: number;
  inFlight: number;
}

/**
 * Every account's health, in this process's memory: the breaker, cooldowns, auth failures, latency and in-flight
 * counts. The router asks it on every request; `status`, `upstream list/show`, `/health` and `/metrics` read it.
 */
export interface HealthRegistry {
  /** Records what an attempt on the account produced. */
  report(accountId: string, outcome: UpstreamOutcome): void;
  /**
   * Claims a slot for one request: false when the account may not be used now (cooling, open, auth
   * failed, or half-open with its one probe already out). `probe: true` (active probes) ignores the auth
   * failure and the cooldown, so a probe can prove a credential good again. `panic: true` (panic mode) lets
   * the request through an open breaker (see breakerPanicAcquire), never through a cooldown or an auth failure.
   */
  begin(accountId: string, opts?: { probe?: boolean; panic?: boolean }): boolean;
  /** Ends a request started with a successful begin(). Always call it (finally). */
  end(accountId: string): void;
  /** Whether a request may go to the account now; `fingerprint` clears an auth failure once the credential changed. */
  eligible(accountId: string, fingerprint?: string): boolean;
  /** Epoch ms when an ineligible account may be tried again; undefined when only a change or probe helps. */
  recoveryAt(accountId: string): number | undefined;
  /**
   * When the circuit breaker is all that keeps the account out (no cooldown, no auth failure): the epoch ms its
   * open period ends, which is now or earlier when it is half-open with its probe out. Undefined otherwise.
   * Panic mode tries these accounts, soonest first.
   */
  breakerOnlyUntil(accountId: string): number | undefined;
  status(accountId: string): AccountStatus;
  /**
   * What a routing strategy weighs for an account that is eligible, without building a whole status (this runs
   * for every candidate of every request).
   */
  candidate(accountId: string): CandidateHealth;
  /** Forgets failures, cooldowns and auth failures (the operator enabled the account again). */
  reset(accountId: string): void;
  /** Drops an account entirely (removed from config). */
  forget(accountId: string): void;
  /** Applies a change another gateway process saw (never passed to `onShared`: no echo). */
  applyShared(accountId: string, event: SharedHealthEvent): void;
  /** The events that carry the account's current shared health (for a process that starts or reconnects later). */
  sharedState(accountId: string): SharedHealthEvent[];
}

export function createHealthRegistry(deps: {
  clock: () => number;
  options: RoutingOptions;
  /** Told of each change of health this process saw itself, for the other processes (off the request path). */
  onShared?: (accountId: string, event: SharedHealthEvent) => void;
}): HealthRegistry {
  const { clock, options, onShared } = deps;
  const accounts = new Map<string, AccountHealth>();
  const breakerSettings: BreakerSettings = options;

  const get = (id: string): AccountHealth => {
    let h = accounts.get(id);
    if (!h) {
      h = { breaker: createBreaker(), inFlight: 0 };
      accounts.set(id, h);
    }
    return h;
  };
  const activeCooldown = (h: AccountHealth, now: number) => {
    if (h.cooldown && h.cooldown.until <= now) h.cooldown = undefined;
    return h.cooldown;
  };
  /** True when the cooldown was set or lengthened. */
  const coolDown = (h: AccountHealth, until: number, reason: CooldownReason): boolean => {
    if (h.cooldown && h.cooldown.until >= until) return false;
    h.cooldown = { until, reason };
    return true;
  };
  const share = (accountId: string, event: SharedHealthEvent) => {
    try {
      onShared?.(accountId, event);
    } catch {
      // Sharing is best effort: it never breaks the request that reported.
    }
  };

  function report(accountId: string, outcome: UpstreamOutcome): void {
    const cls = classifyOutcome(outcome);
    // The request's fault, not the account's: nothing changes.
    if (cls === "client_error") return;
    const now = clock();
    const h = get(accountId);
    const what = describeOutcome(outcome);
    switch (cls) {
      case "success": {
        const troubled = onShared !== undefined && (h.auth !== undefined || breakerPhase(h.breaker, now) !== "closed");
        breakerSuccess(h.breaker, now, breakerSettings);
        // A success is the probe passing: a credential that works again is no longer failing auth.
        h.auth = undefined;
        if (troubled) share(accountId, { kind: "recovered" });
        h.lastSuccessAt = now;
        if (outcome.kind === "success" && outcome.ttfbMs !== undefined && Number.isFinite(outcome.ttfbMs)) {
          h.ewmaTtfbMs =
            h.ewmaTtfbMs === undefined
              ? outcome.ttfbMs
              : options.latencyAlpha * outcome.ttfbMs + (1 - options.latencyAlpha) * h.ewmaTtfbMs;
        }
        break;
      }
      case "auth":
        h.auth = { status: (outcome as { status: number }).status, since: now, fingerprint: h.seenFingerprint };
        h.lastFailure = { at: now, what };
        share(accountId, { kind: "auth", status: h.auth.status, fingerprint: h.auth.fingerprint });
        break;
      case "rate_limited":
      case "overloaded": {
        const headers = outcome.kind === "http" ? outcome.headers : new Headers();
        const status = outcome.kind === "http" ? outcome.status : 529;
        const defaultMs = cls === "rate_limited" ? options.defaultRateLimitCooldownMs : options.defaultOverloadCooldownMs;
        const c = cooldownFromHeaders(status, headers, now, {
          defaultMs,
          minMs: options.minCooldownMs,
          maxMs: options.maxCooldownMs,
        });
        if (coolDown(h, c.until, cls)) share(accountId, { kind: "cooldown", until: c.until, reason: cls });
        h.lastFailure = { at: now, what };
        break;
      }
      case "billing":
        if (coolDown(h, now + options.billingCooldownMs, "billing")) share(accountId, { kind: "cooldown", until: now + options.billingCooldownMs, reason: "billing" });
        h.lastFailure = { at: now, what };
        break;
      case "server_error": {
        const openBefore = h.breaker.phase === "open" ? h.breaker.openUntil : undefined;
        breakerFailure(h.breaker, now, breakerSettings);
        if (h.breaker.phase === "open" && h.breaker.openUntil !== openBefore) share(accountId, { kind: "open", until: h.breaker.openUntil });
        // A 503 that says when to come back is an overload notice as well as a failure.
        if (outcome.kind === "http" && outcome.status === 503) {
          const ms = retryAfterMs(outcome.headers, now);
          if (ms !== undefined) {
            const until = now + Math.min(options.maxCooldownMs, Math.max(options.minCooldownMs, ms));
            if (coolDown(h, until, "overloaded")) share(accountId, { kind: "cooldown", until, reason: "overloaded" });
          }
        }
        h.lastFailure = { at: now, what };
        break;
      }
    }
  }

  function eligibleNow(h: AccountHealth, now: number): boolean {
    return !h.auth && !activeCooldown(h, now) && breakerAllows(h.breaker, now);
  }

  function begin(accountId: string, opts: { probe?: boolean; panic?: boolean } = {}): boolean {
    const now = clock();
    const h = get(accountId);
    if (!opts.probe && (h.auth || activeCooldown(h, now))) return false;
    if (!breakerAcquire(h.breaker, now, breakerSettings)) {
      if (!opts.panic) return false;
      breakerPanicAcquire(h.breaker, now, breakerSettings);
    }
    h.inFlight++;
    return true;
  }

  function end(accountId: string): void {
    const h = accounts.get(accountId);
    if (!h) return;
    h.inFlight = Math.max(0, h.inFlight - 1);
    // The probe ended without a verdict (client error, client gone): let the next request probe.
    // Only when nothing else is in flight, since end() cannot tell the probe from older requests.
    if (h.inFlight === 0) breakerRelease(h.breaker);
  }

  function eligible(accountId: string, fingerprint?: string): boolean {
    const h = get(accountId);
    if (fingerprint !== undefined) {
      h.seenFingerprint = fingerprint;
      if (h.auth) {
        if (h.auth.fingerprint === undefined) h.auth.fingerprint = fingerprint;
        else if (h.auth.fingerprint !== fingerprint) h.auth = undefined;
      }
    }
    return eligibleNow(h, clock());
  }

  function recoveryAt(accountId: string): number | undefined {
    const now = clock();
    const h = get(accountId);
    if (h.auth) return undefined;
    let at = now;
    const cooldown = activeCooldown(h, now);
    if (cooldown) at = Math.max(at, cooldown.until);
    const phase = breakerPhase(h.breaker, now);
    if (phase === "open") at = Math.max(at, h.breaker.openUntil);
    // Half-open with its probe out: the verdict is usually seconds away.
    if (phase === "half_open" && h.breaker.probeLeaseUntil > now) at = Math.max(at, now + 1000);
    return at;
  }

  function breakerOnlyUntil(accountId: string): number | undefined {
    const now = clock();
    const h = get(accountId);
    if (h.auth || activeCooldown(h, now)) return undefined;
    const phase = breakerPhase(h.breaker, now);
    if (phase === "open") return h.breaker.openUntil;
    if (phase === "half_open" && h.breaker.probeLeaseUntil > now) return h.breaker.openUntil;
    return undefined;
  }

  function status(accountId: string): AccountStatus {
    const now = clock();
    const h = get(accountId);
    const phase = breakerPhase(h.breaker, now);
    const cooldown = activeCooldown(h, now);
    const { ok, fail } = windowCounts(h.breaker, now, options);
    const base = {
      accountId,
      breaker: phase,
      consecutiveFailures: h.breaker.consecutiveFailures,
      recentRequests: ok + fail,
      recentFailures: fail,
      ewmaTtfbMs: h.ewmaTtfbMs,
      inFlight: h.inFlight,
      probeInFlight: phase === "half_open" && h.breaker.probeLeaseUntil > now,
      lastSuccessAt: h.lastSuccessAt,
      lastFailure: h.lastFailure,
    };
    const at = (t: number) => new Date(t).toISOString();
    if (h.auth) {
      return {
        ...base,
        state: "auth_failed",
        reason: `auth_${h.auth.status}`,
        detail: `authentication failed (upstream answered ${h.auth.status}) at ${at(h.auth.since)}; left out until its credential changes or a probe passes`,
      };
    }
    if (phase === "open" && (!cooldown || h.breaker.openUntil >= cooldown.until)) {
      return {
        ...base,
        state: "circuit_open",
        until: h.breaker.openUntil,
        reason: "failures",
        detail: `circuit open after ${h.breaker.consecutiveFailures} consecutive failures (last: ${h.lastFailure?.what ?? "unknown"}); next probe at ${at(h.breaker.openUntil)}`,
      };
    }
    if (cooldown) {
      const why = { rate_limited: "rate limited", overloaded: "overloaded", billing: "spend limit or billing" }[cooldown.reason];
      return {
        ...base,
        state: "cooling",
        until: cooldown.until,
        reason: cooldown.reason,
        detail: `cooling down (${why}) until ${at(cooldown.until)}`,
      };
    }
    if (phase === "half_open") {
      return {
        ...base,
        state: "half_open",
        reason: "failures",
        detail: base.probeInFlight ? "half-open: a probe request is in flight" : "half-open: the next request is the probe",
      };
    }
    return { ...base, state: "healthy", detail: "healthy" };
  }

  function candidate(accountId: string): CandidateHealth {
    const now = clock();
    const h = get(accountId);
    const b = h.breaker;
    // Eligible means no auth failure, cooldown or open breaker: half-open here means its probe is free.
    const probe = breakerPhase(b, now) === "half_open";
    // The demotion lasts as long as a first open period: an account that failed once is not parked for longer
    // than one that failed enough to open its breaker.
    const recentlyFailed = !probe && b.consecutiveFailures > 0 && now - b.lastFailureAt < options.baseOpenMs;
    return { probe, recentlyFailed, ewmaTtfbMs: h.ewmaTtfbMs, inFlight: h.inFlight };
  }

  return {
    report,
    begin,
    end,
    eligible,
    recoveryAt,
    breakerOnlyUntil,
    status,
    candidate,
    reset(accountId) {
      const h = accounts.get(accountId);
      if (!h) return;
      accounts.set(accountId, { breaker: createBreaker(), inFlight: h.inFlight, ewmaTtfbMs: h.ewmaTtfbMs });
    },
    forget(accountId) {
      accounts.delete(accountId);
    },
    applyShared(accountId, event) {
      const now = clock();
      const h = get(accountId);
      switch (event.kind) {
        case "cooldown":
          if (event.until > now) coolDown(h, event.until, event.reason);
          break;
        case "auth":
          // The other process's credential fingerprint: when ours differs (a newer key here), eligible() clears it.
          h.auth = { status: event.status, since: now, fingerprint: event.fingerprint ?? h.seenFingerprint };
          h.lastFailure = { at: now, what: `HTTP ${event.status} (seen by another gateway instance)` };
          break;
        case "open":
          if (event.until > now) breakerOpenUntil(h.breaker, event.until);
          break;
        case "recovered":
          h.auth = undefined;
          if (h.breaker.phase !== "closed") breakerClose(h.breaker);
          break;
      }
    },
    sharedState(accountId) {
      const h = accounts.get(accountId);
      if (!h) return [];
      const now = clock();
      const out: SharedHealthEvent[] = [];
      const cooldown = activeCooldown(h, now);
      if (cooldown) out.push({ kind: "cooldown", until: cooldown.until, reason: cooldown.reason });
      if (h.auth) out.push({ kind: "auth", status: h.auth.status, fingerprint: h.auth.fingerprint });
      if (breakerPhase(h.breaker, now) === "open") out.push({ kind: "open", until: h.breaker.openUntil });
      return out;
    },
  };
}

function describeOutcome(o: UpstreamOutcome): string {
  switch (o.kind) {
    case "success":
      return "success";
    case "network":
      return "connection failed";
    case "timeout":
      return "timed out";
    case "http":
      return o.errorCode ? `HTTP ${o.status} (${o.errorCode})` : `HTTP ${o.status}`;
  }
}
