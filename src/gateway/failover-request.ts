import type { Config } from "../config/schema.ts";
import type { FailoverRequest } from "../routing/failover.ts";
import { sessionKeyFrom } from "../routing/session-key.ts";

/**
 * The failover loop's settings for one client request, from the configuration: accounts, routes and the global
 * strategy, the attempt limit, the total deadline, and the sticky-session key (none when sticky routing is off,
 * so nothing is bound). Every route that asks the router for an account (the proxy, count_tokens) uses this, so
 * they order and pin accounts the same way.
 */
export function failoverRequest(config: Config, model: string, json: Record<string, unknown>, headers: Headers): FailoverRequest {
  const { routing } = config;
  return {
    config: { accounts: config.upstream_accounts, routes: config.model_routes, strategy: routing.strategy },
    model,
    maxAttempts: config.proxy.max_attempts,
    deadlineMs: config.proxy.total_timeout * 1000,
    sessionKey: routing.sticky.enabled ? sessionKeyFrom(json, headers, routing.sticky.headers) : undefined,
  };
}
