import { DAY_MS, HOUR_MS } from "./rollup.ts";

export type SegmentSource = "rows" | "hourly" | "daily";
export interface Segment {
  source: SegmentSource;
  from: number;
  to: number;
}

/**
 * Which table answers which part of [since, until): whole UTC days from the daily totals, the whole hours around
 * them from the hourly totals, the partial hours at either end from the request rows. A month is then ~30 daily
 * rows per (key, account, model), a few dozen hourly ones and at most two hours of request rows, whatever the
 * traffic. Grouping by hour skips the daily totals. Request rows older than `rowsFrom` (retention) are gone, so a
 * `since` before it moves back to its hour and the hourly totals answer instead.
 */
export function planSegments(since: number, until: number, opts: { useDaily: boolean; rowsFrom?: number }): { since: number; segments: Segment[] } {
  if (opts.rowsFrom !== undefined && since < opts.rowsFrom) since = floorTo(since, HOUR_MS);
  const segments: Segment[] = [];
  if (until <= since) return { since, segments };
  const a = ceilTo(since, HOUR_MS);
  const b = floorTo(until, HOUR_MS);
  if (a >= b) {
    segments.push({ source: "rows", from: since, to: until });
    return { since, segments };
  }
  if (since < a) segments.push({ source: "rows", from: since, to: a });
  const da = ceilTo(a, DAY_MS);
  const db = floorTo(b, DAY_MS);
  if (opts.useDaily && da < db) {
    if (a < da) segments.push({ source: "hourly", from: a, to: da });
    segments.push({ source: "daily", from: da, to: db });
    if (db < b) segments.push({ source: "hourly", from: db, to: b });
  } else {
    segments.push({ source: "hourly", from: a, to: b });
  }
  if (b < until) segments.push({ source: "rows", from: b, to: until });
  return { since, segments };
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;
