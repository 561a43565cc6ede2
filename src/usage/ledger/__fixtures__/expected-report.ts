import { expect } from "bun:test";
import { DAY_MS, HOUR_MS } from "../rollup.ts";
import { addSums, emptySums, reportOf, type UsageQuery, type UsageReport, type UsageSums } from "../usage-report.ts";
import type { UsageRow } from "../usage-row.ts";

/** The report a query should give, computed row by row in plain code: what the store's plan is checked against. */
export function expectedReport(rows: readonly UsageRow[], q: UsageQuery): UsageReport {
  const groups = new Map<string | number, UsageSums>();
  for (const r of rows) {
    if (r.time < q.since || r.time >= q.until) continue;
    const model = r.modelServed ?? r.modelRequested ?? "";
    if (q.keyId !== undefined && (r.keyId ?? "") !== q.keyId) continue;
    if (q.accountId !== undefined && (r.accountId ?? "") !== q.accountId) continue;
    if (q.model !== undefined && model !== q.model) continue;
    const k =
      q.groupBy === "key" ? (r.keyId ?? "")
      : q.groupBy === "account" ? (r.accountId ?? "")
      : q.groupBy === "model" ? model
      : q.groupBy === "day" ? Math.floor(r.time / DAY_MS) * DAY_MS
      : q.groupBy === "hour" ? Math.floor(r.time / HOUR_MS) * HOUR_MS
      : "";
    let s = groups.get(k);
    if (!s) groups.set(k, (s = emptySums()));
    const one = emptySums();
    one.requests = 1;
    if (r.status < 400) one.successes = 1;
    else one.errors = 1;
    one.inputTokens = r.inputTokens ?? 0;
    one.outputTokens = r.outputTokens ?? 0;
    one.cacheReadTokens = r.cacheReadTokens ?? 0;
    one.cacheWriteTokens = r.cacheWriteTokens ?? 0;
    one.reasoningTokens = r.reasoningTokens ?? 0;
    if (r.costUsd === null) one.unknownCostRequests = 1;
    else one.costUsd = r.costUsd;
    one.totalMsSum = r.totalMs;
    if (r.ttfbMs !== null) {
      one.ttfbMsSum = r.ttfbMs;
      one.ttfbCount = 1;
    }
    one.lastUsed = r.time;
    addSums(s, one);
  }
  return reportOf(q, q.since, groups);
}

/** Equal up to the rounding of float sums added in another order. */
export function expectSameReport(actual: UsageReport, expected: UsageReport): void {
  const norm = (r: UsageReport) => ({
    ...r,
    rows: [...r.rows].sort((a, b) => String(a.group).localeCompare(String(b.group))).map(roundTotals),
    totals: roundTotals(r.totals),
  });
  expect(norm(actual)).toEqual(norm(expected));
}

function roundTotals<T extends { costUsd: number | null; avgTotalMs: number | null; avgTtfbMs: number | null }>(t: T): T {
  const r = (v: number | null, p: number) => (v === null ? null : Math.round(v * p) / p);
  return { ...t, costUsd: r(t.costUsd, 1e6), avgTotalMs: r(t.avgTotalMs, 1e3), avgTtfbMs: r(t.avgTtfbMs, 1e3) };
}
