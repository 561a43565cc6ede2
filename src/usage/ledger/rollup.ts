import { isSuccess, rowModel, type UsageRow } from "./usage-row.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One row of usage_hourly / usage_daily, column names as in the table; an increment when built from a batch. */
export interface RollupRow {
  bucket: number;
  key_id: string;
  account_id: string;
  model: string;
  requests: number;
  successes: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  unknown_cost_requests: number;
  total_ms_sum: number;
  ttfb_ms_sum: number;
  ttfb_count: number;
  last_ts: number;
}

/** The numeric columns of a rollup row, summed on conflict (last_ts takes the larger). */
export const ROLLUP_SUMS = [
  "requests",
  "successes",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
  "unknown_cost_requests",
  "total_ms_sum",
  "ttfb_ms_sum",
  "ttfb_count",
] as const;

/**
 * A batch of rows folded into one increment per (bucket, key, account, model): what the store adds to the rollup
 * tables in the same transaction as the rows themselves, so totals and rows never disagree. A batch of a second's
 * traffic folds into a handful of increments, whatever its size.
 */
export function rollupIncrements(rows: readonly UsageRow[], bucketMs: number): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const r of rows) {
    const bucket = r.time - (r.time % bucketMs);
    const key_id = r.keyId ?? "";
    const account_id = r.accountId ?? "";
    const model = rowModel(r);
    const k = `${bucket}\u0000${key_id}\u0000${account_id}\u0000${model}`;
    let agg = byKey.get(k);
    if (!agg) {
      agg = {
        bucket, key_id, account_id, model,
        requests: 0, successes: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0,
        cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unknown_cost_requests: 0, total_ms_sum: 0,
        ttfb_ms_sum: 0, ttfb_count: 0, last_ts: r.time,
      };
      byKey.set(k, agg);
    }
    agg.requests++;
    if (isSuccess(r.status)) agg.successes++;
    else agg.errors++;
    agg.input_tokens += r.inputTokens ?? 0;
    agg.output_tokens += r.outputTokens ?? 0;
    agg.cache_read_tokens += r.cacheReadTokens ?? 0;
    agg.cache_write_tokens += r.cacheWriteTokens ?? 0;
    agg.reasoning_tokens += r.reasoningTokens ?? 0;
    if (r.costUsd === null) agg.unknown_cost_requests++;
    else agg.cost_usd += r.costUsd;
    agg.total_ms_sum += r.totalMs;
    if (r.ttfbMs !== null) {
      agg.ttfb_ms_sum += r.ttfbMs;
      agg.ttfb_count++;
    }
    if (r.time > agg.last_ts) agg.last_ts = r.time;
  }
  return [...byKey.values()];
}
