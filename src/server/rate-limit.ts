import type { GatewayKey } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { StateStore } from "../state/types.ts";

const MINUTE = 60_000;

/**
 * Per-key requests-per-minute limit over a fixed one-minute window in the state store (shared between
 * instances when the store is). Over the limit: 429 with Retry-After until the window ends.
 */
export async function enforceRateLimit(key: GatewayKey, state: StateStore, now: number): Promise<Record<string, string> | undefined> {
  const limit = key.rate_limit_rpm;
  if (!limit) return undefined;
  const { count, resetAt } = await state.hit(`rl:${key.id}`, MINUTE);
  const resetSeconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
  const headers = {
    "x-ratelimit-limit-requests": String(limit),
    "x-ratelimit-remaining-requests": String(Math.max(0, limit - count)),
    "x-ratelimit-reset-requests": `${resetSeconds}s`,
  };
  if (count > limit) {
    throw new GatewayError(429, "rate_limited", `rate limit of ${limit} requests per minute exceeded for this API key`, {
      retryAfter: resetSeconds,
      headers,
    });
  }
  return headers;
}
