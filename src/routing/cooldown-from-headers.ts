/**
 * When a rate-limited (429) or overloaded (529/503) account may be tried again, read from the upstream's
 * response headers. Sources, in order of authority:
 * 1. `retry-after-ms` (OpenAI/Azure) and `retry-after` (seconds or an HTTP date): the upstream's own answer.
 * 2. For 429 only, the reset headers: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset`
 *    (RFC 3339 instants) and `x-ratelimit-reset-{requests,tokens}` (Go durations: `1s`, `6m0s`, `20ms`,
 *    `1h2m3.5s`). When a matching `…-remaining` header says 0, only the exhausted limits count; otherwise
 *    every reset counts. The latest one wins: the request is blocked until every exhausted limit refills.
 * 3. A default (the caller passes one per kind).
 * The result is clamped to [min, max] so `Retry-After: 0` does not mean "hammer it" and a daily quota does
 * not park an account unseen for a day.
 * Absolute times are compared to the upstream's `date` header when present, so a skewed local clock does
 * not stretch or shrink the wait.
 */

export interface CooldownLimits {
  defaultMs: number;
  minMs: number;
  maxMs: number;
}

export interface Cooldown {
  /** Epoch ms (same clock as `now`). */
  until: number;
  source: "retry-after" | "reset-header" | "default";
}

const ANTHROPIC_LIMITS = ["requests", "tokens", "input-tokens", "output-tokens"];
const OPENAI_LIMITS = ["requests", "tokens"];

export function cooldownFromHeaders(
  status: number,
  headers: Headers,
  now: number,
  limits: CooldownLimits,
): Cooldown {
  const clamp = (ms: number) => Math.min(limits.maxMs, Math.max(limits.minMs, ms));
  const serverNow = parseHttpDate(headers.get("date") ?? "") ?? now;

  const retryMs = retryAfterMs(headers, serverNow);
  if (retryMs !== undefined) return { until: now + clamp(retryMs), source: "retry-after" };

  if (status === 429) {
    const resets: { ms: number; exhausted: boolean }[] = [];
    for (const limit of ANTHROPIC_LIMITS) {
      const at = parseRfc3339(headers.get(`anthropic-ratelimit-${limit}-reset`) ?? "");
      if (at !== undefined) {
        resets.push({ ms: at - serverNow, exhausted: headers.get(`anthropic-ratelimit-${limit}-remaining`) === "0" });
      }
    }
    for (const limit of OPENAI_LIMITS) {
      const ms = parseGoDuration(headers.get(`x-ratelimit-reset-${limit}`) ?? "");
      if (ms !== undefined) {
        resets.push({ ms, exhausted: headers.get(`x-ratelimit-remaining-${limit}`) === "0" });
      }
    }
    const relevant = resets.some((r) => r.exhausted) ? resets.filter((r) => r.exhausted) : resets;
    if (relevant.length) return { until: now + clamp(Math.max(...relevant.map((r) => r.ms))), source: "reset-header" };
  }
  return { until: now + clamp(limits.defaultMs), source: "default" };
}

/** `retry-after-ms`, else `retry-after` as seconds or an HTTP date; ms from `serverNow`, or undefined. */
export function retryAfterMs(headers: Headers, serverNow: number): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const at = parseHttpDate(value);
  return at === undefined ? undefined : at - serverNow;
}

/** IMF-fixdate and the other forms Date.parse accepts; must name a day of the week or a month to count. */
export function parseHttpDate(value: string): number | undefined {
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** RFC 3339 instant (`2026-01-01T00:00:03Z`, fractional seconds and offsets allowed). */
export function parseRfc3339(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value.trim())) return undefined;
  const t = Date.parse(value.trim());
  return Number.isFinite(t) ? t : undefined;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 1e-6 };

/** Go's time.Duration text (`1h2m3.5s`, `6m0s`, `20ms`) in ms; undefined when it is not one. */
export function parseGoDuration(value: string): number | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/y;
  let total = 0;
  let pos = 0;
  while (pos < v.length) {
    re.lastIndex = pos;
    const m = re.exec(v);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = re.lastIndex;
  }
  return total;
}
