import { Type as T, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { RoutingStrategy } from "../config/schema.ts";

export { ROUTING_STRATEGIES, RoutingStrategy } from "../config/schema.ts";

/**
 * Health, breaker, cooldown and sticky-routing settings. All durations are milliseconds (the config file
 * speaks seconds; whoever maps the file converts). Defaults are chosen for public LLM APIs where one bad
 * answer is common and a dead account should be skipped within seconds.
 */
export const RoutingOptions = T.Object({
  strategy: T.Optional(RoutingStrategy),
  /** Breaker opens after this many consecutive failures (5xx, timeout, connection failure). */
  failureThreshold: T.Integer({ minimum: 1, default: 5 }),
  /** …or when the failure rate within `windowMs` reaches this ratio, once `minRequestsInWindow` were seen. */
  errorRateThreshold: T.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
  minRequestsInWindow: T.Integer({ minimum: 1, default: 10 }),
  windowMs: T.Integer({ minimum: 1000, default: 60_000 }),
  /**
   * First open period; doubles on every failed half-open probe, up to `maxOpenMs`. Also how long health-first
   * keeps an account that failed (without opening its breaker) behind the clean ones.
   */
  baseOpenMs: T.Integer({ minimum: 0, default: 10_000 }),
  maxOpenMs: T.Integer({ minimum: 0, default: 300_000 }),
  /** A half-open probe that never reports is given up after this long, so the account is not stuck. */
  probeLeaseMs: T.Integer({ minimum: 1000, default: 600_000 }),
  /** 429 without any usable reset header. */
  defaultRateLimitCooldownMs: T.Integer({ minimum: 0, default: 30_000 }),
  /** 529 (or 503 with Retry-After absent) overload without a Retry-After. */
  defaultOverloadCooldownMs: T.Integer({ minimum: 0, default: 10_000 }),
  /** 402 and Anthropic's `enforced_spend_limit_reached` 429: money, not load; retrying soon is pointless. */
  billingCooldownMs: T.Integer({ minimum: 0, default: 600_000 }),
  /** Floor for header-given cooldowns (`Retry-After: 0` must not mean "hammer it"). */
  minCooldownMs: T.Integer({ minimum: 0, default: 1000 }),
  /** Ceiling for header-given cooldowns (a daily quota reset must not park an account for hours unseen). */
  maxCooldownMs: T.Integer({ minimum: 0, default: 900_000 }),
  /**
   * Panic mode: when no account for a model is eligible and some are out only because their breaker is open
   * (not cooling, not failing auth), the request is tried on those, the one whose open period ends soonest first,
   * instead of being refused. Off: such requests get 503 with Retry-After.
   */
  panicMode: T.Boolean({ default: true }),
  /** Weight of the newest sample in the time-to-first-byte moving average. */
  latencyAlpha: T.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.2 }),
  /** Sticky sessions: idle bindings expire after this long; at most this many are kept (oldest dropped). */
  stickyTtlMs: T.Integer({ minimum: 0, default: 3_600_000 }),
  stickyMaxEntries: T.Integer({ minimum: 0, default: 10_000 }),
});
export type RoutingOptions = Static<typeof RoutingOptions>;

/** Fills defaults; unknown keys are ignored. Values are trusted (validate at config load). */
export function resolveRoutingOptions(partial: Partial<RoutingOptions> = {}): RoutingOptions {
  const defaults = Value.Default(RoutingOptions, {}) as RoutingOptions;
  const out: RoutingOptions = { ...defaults };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
