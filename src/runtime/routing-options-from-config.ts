import type { RoutingConfig } from "../config/schema.ts";
import type { RoutingOptions } from "../routing/routing-options.ts";

const ms = (seconds: number) => Math.round(seconds * 1000);

/**
 * The file's `routing` section (seconds, snake_case) as the router's options (milliseconds). Settings the
 * section does not name (probe lease, latency smoothing, sticky table size) keep the router's defaults.
 */
export function routingOptionsFromConfig(r: RoutingConfig): Partial<RoutingOptions> {
  return {
    strategy: r.strategy,
    failureThreshold: r.failure_threshold,
    errorRateThreshold: r.error_rate_threshold,
    // The breaker keeps ten buckets per window; below a second they would be too thin to mean anything.
    windowMs: Math.max(1000, ms(r.error_rate_window)),
    minRequestsInWindow: r.min_requests,
    baseOpenMs: ms(r.base_open_time),
    maxOpenMs: Math.max(ms(r.base_open_time), ms(r.max_open_time)),
    defaultRateLimitCooldownMs: ms(r.rate_limit_cooldown),
    defaultOverloadCooldownMs: ms(r.overload_cooldown),
    billingCooldownMs: ms(r.billing_cooldown),
    minCooldownMs: ms(r.min_cooldown),
    maxCooldownMs: Math.max(ms(r.min_cooldown), ms(r.max_cooldown)),
    // Sticky off: no binding is ever stored (the proxy also stops computing session keys).
    stickyTtlMs: r.sticky.enabled ? ms(r.sticky.ttl) : 0,
    panicMode: r.panic_mode,
  };
}
