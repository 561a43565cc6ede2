import { isSuccess, NUMBERS_PER_ROW, TEXTS_PER_ROW, type PackedRows } from "./usage-row.ts";

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
 * A batch of rows folded into one increment per (bucket, key, account, model), by the hour and by the day: what the
 * store adds to the rollup tables in the same transaction as the rows themselves, so totals and rows never
 * disagree. A batch of a second's traffic folds into a handful of increments, whatever its size. Read straight off
 * the packed batch (usage-row.ts); a missing key, account or model counts as '', the model is the one served, else
 * the one asked for.
 */
export function rollupIncrements(p: PackedRows): { hourly: RollupRow[]; daily: RollupRow[] } {
  const { numbers: n, refs, texts } = p;
  // Groups are found by the batch's text indexes, not by building a string per row. A null and an empty text both
  // count as '': they share an index here.
  const empty = texts.indexOf("");
  const ref = (r: number) => (r < 0 ? empty : r);
  const base = texts.length + 1;
  const hourly = new Map<number, Map<number, RollupRow>>();
  const daily = new Map<number, Map<number, RollupRow>>();
  const textOf = (r: number) => (r < 0 ? "" : texts[r]!);
  const into = (buckets: Map<number, Map<number, RollupRow>>, bucket: number, group: number, t: number, time: number): RollupRow => {
    let groups = buckets.get(bucket);
    if (!groups) buckets.set(bucket, (groups = new Map()));
    let agg = groups.get(group);
    if (!agg) {
      const served = refs[t + 4]!;
      agg = {
        bucket,
        key_id: textOf(refs[t]!),
        account_id: textOf(refs[t + 1]!),
        model: served >= 0 ? texts[served]! : textOf(refs[t + 3]!),
        requests: 0, successes: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0,
        cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unknown_cost_requests: 0, total_ms_sum: 0,
        ttfb_ms_sum: 0, ttfb_count: 0, last_ts: time,
      };
      groups.set(group, agg);
    }
    return agg;
  };
  for (let r = 0; r < p.count; r++) {
    const k = r * NUMBERS_PER_ROW;
    const t = r * TEXTS_PER_ROW;
    const time = n[k]!;
    const model = refs[t + 4]! >= 0 ? refs[t + 4]! : ref(refs[t + 3]!);
    const group = ((ref(refs[t]!) + 1) * base + ref(refs[t + 1]!) + 1) * base + model + 1;
    add(into(hourly, time - (time % HOUR_MS), group, t, time), n, k);
    add(into(daily, time - (time % DAY_MS), group, t, time), n, k);
  }
  const flat = (m: Map<number, Map<number, RollupRow>>) => [...m.values()].flatMap((g) => [...g.values()]);
  return { hourly: flat(hourly), daily: flat(daily) };
}

/** Adds the row at `k` of the packed numbers to an increment. */
function add(agg: RollupRow, n: Float64Array, k: number): void {
  const time = n[k]!;
  agg.requests++;
  if (isSuccess(n[k + 3]!)) agg.successes++;
  else agg.errors++;
  agg.input_tokens += orZero(n[k + 6]!);
  agg.output_tokens += orZero(n[k + 7]!);
  agg.cache_read_tokens += orZero(n[k + 8]!);
  agg.cache_write_tokens += orZero(n[k + 9]!);
  agg.reasoning_tokens += orZero(n[k + 10]!);
  const cost = n[k + 11]!;
  if (Number.isNaN(cost)) agg.unknown_cost_requests++;
  else agg.cost_usd += cost;
  agg.total_ms_sum += n[k + 5]!;
  const ttfb = n[k + 4]!;
  if (!Number.isNaN(ttfb)) {
    agg.ttfb_ms_sum += ttfb;
    agg.ttfb_count++;
  }
  if (time > agg.last_ts) agg.last_ts = time;
}

/** NaN (null) counts as 0 in a sum. */
const orZero = (v: number) => (Number.isNaN(v) ? 0 : v);
