import { expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { Config } from "../config/schema.ts";
import { parseConfig } from "../config/validate.ts";
import { resolveRoutingOptions } from "../routing/routing-options.ts";
import { routingOptionsFromConfig } from "./routing-options-from-config.ts";

test("the routing section's defaults equal the router's own defaults", () => {
  const defaults = (Value.Default(Config, {}) as Config).routing;
  expect(defaults.probe_interval).toBe(0);
  expect(defaults.panic_mode).toBe(true);
  expect(defaults.sticky).toEqual({ enabled: true, headers: ["x-session-id", "x-claude-code-session-id"], ttl: 3600 });
  const mapped = resolveRoutingOptions(routingOptionsFromConfig(defaults));
  expect(mapped).toEqual(resolveRoutingOptions());
});

test("seconds (fractions allowed) become milliseconds; sticky off stores no binding; bad values are named", () => {
  const r = parseConfig({ routing: { strategy: "least-latency", failure_threshold: 2, base_open_time: 0.5, max_open_time: 60, rate_limit_cooldown: 1.5, sticky: { enabled: false }, panic_mode: false } });
  if (!r.ok) throw new Error(r.errors.join("; "));
  expect(routingOptionsFromConfig(r.config.routing)).toMatchObject({
    strategy: "least-latency",
    failureThreshold: 2,
    baseOpenMs: 500,
    maxOpenMs: 60_000,
    defaultRateLimitCooldownMs: 1500,
    stickyTtlMs: 0,
    panicMode: false,
  });
  const bad = parseConfig({ routing: { strategy: "fastest", failure_threshold: 0 }, model_routes: [{ id: "r", source_model: "*", target_model: "*", strategy: "nope" }] });
  expect(bad.ok).toBe(false);
  if (!bad.ok) {
    expect(bad.errors.some((e) => e.startsWith("routing.strategy: expected one of health-first"))).toBe(true);
    expect(bad.errors.some((e) => e.startsWith("routing.failure_threshold"))).toBe(true);
    expect(bad.errors.some((e) => e.startsWith("model_routes[0].strategy"))).toBe(true);
  }
});
