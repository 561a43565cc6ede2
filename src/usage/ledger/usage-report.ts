import { Type as T, type Static } from "@sinclair/typebox";
import { Nullable } from "./usage-row.ts";

/**
 * What a usage query asks and what it answers: the shapes the CLI's `usage`, the admin endpoint and the budget
 * checks share. Days and hours are UTC.
 */
export const USAGE_GROUPS = ["key", "account", "model", "day", "hour"] as const;
export const UsageGroupBy = T.Union(USAGE_GROUPS.map((g) => T.Literal(g)));
export type UsageGroupBy = Static<typeof UsageGroupBy>;

export const UsageQuerySchema = T.Object({
  /** Epoch ms, inclusive. */
  since: T.Integer(),
  /** Epoch ms, exclusive. */
  until: T.Integer(),
  keyId: T.Optional(T.String()),
  accountId: T.Optional(T.String()),
  /** The model served (the one asked for when none was). */
  model: T.Optional(T.String()),
  groupBy: T.Optional(UsageGroupBy),
});
export type UsageQuery = Static<typeof UsageQuerySchema>;

export const UsageTotalsSchema = T.Object({
  requests: T.Integer(),
  successes: T.Integer(),
  errors: T.Integer(),
  inputTokens: T.Integer(),
  outputTokens: T.Integer(),
  cacheReadTokens: T.Integer(),
  cacheWriteTokens: T.Integer(),
  reasoningTokens: T.Integer(),
  /** USD of the requests whose cost is known; null when none is. */
  costUsd: Nullable(T.Number()),
  /** Requests without a known cost (a model without a price, or no usage reported): not in costUsd. */
  unknownCostRequests: T.Integer(),
  avgTotalMs: Nullable(T.Number()),
  avgTtfbMs: Nullable(T.Number()),
  /** The latest request, epoch ms. */
  lastUsed: Nullable(T.Integer()),
});
export type UsageTotals = Static<typeof UsageTotalsSchema>;

export const UsageGroupRowSchema = T.Composite([
  T.Object({
    /** Key id, account id, model, `YYYY-MM-DD` or `YYYY-MM-DDTHH:00Z`; null for requests without a key/account/model. */
    group: Nullable(T.String()),
  }),
  UsageTotalsSchema,
]);
export type UsageGroupRow = Static<typeof UsageGroupRowSchema>;

export const UsageReportSchema = T.Object({
  /** The range answered; `since` moves back to the hour when it lies before the kept request rows. */
  since: T.Integer(),
  until: T.Integer(),
  groupBy: Nullable(UsageGroupBy),
  rows: T.Array(UsageGroupRowSchema),
  totals: UsageTotalsSchema,
});
export type UsageReport = Static<typeof UsageReportSchema>;

/** Sums as the store reads them off rows and rollups, before averages are taken. */
export interface UsageSums {
  requests: number;
  successes: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  unknownCostRequests: number;
  totalMsSum: number;
  ttfbMsSum: number;
  ttfbCount: number;
  lastUsed: number | null;
}

export const emptySums = (): UsageSums => ({
  requests: 0, successes: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
  reasoningTokens: 0, costUsd: 0, unknownCostRequests: 0, totalMsSum: 0, ttfbMsSum: 0, ttfbCount: 0, lastUsed: null,
});

export function addSums(into: UsageSums, s: UsageSums): void {
  into.requests += s.requests;
  into.successes += s.successes;
  into.errors += s.errors;
  into.inputTokens += s.inputTokens;
  into.outputTokens += s.outputTokens;
  into.cacheReadTokens += s.cacheReadTokens;
  into.cacheWriteTokens += s.cacheWriteTokens;
  into.reasoningTokens += s.reasoningTokens;
  into.costUsd += s.costUsd;
  into.unknownCostRequests += s.unknownCostRequests;
  into.totalMsSum += s.totalMsSum;
  into.ttfbMsSum += s.ttfbMsSum;
  into.ttfbCount += s.ttfbCount;
  if (s.lastUsed !== null && (into.lastUsed === null || s.lastUsed > into.lastUsed)) into.lastUsed = s.lastUsed;
}

export function totalsOf(s: UsageSums): UsageTotals {
  const priced = s.requests - s.unknownCostRequests;
  return {
    requests: s.requests,
    successes: s.successes,
    errors: s.errors,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cacheReadTokens: s.cacheReadTokens,
    cacheWriteTokens: s.cacheWriteTokens,
    reasoningTokens: s.reasoningTokens,
    // Rounded to a millionth of a cent: sums of many small doubles otherwise print as 0.30000000000000004.
    costUsd: priced > 0 ? Math.round(s.costUsd * 1e8) / 1e8 : null,
    unknownCostRequests: s.unknownCostRequests,
    avgTotalMs: s.requests > 0 ? s.totalMsSum / s.requests : null,
    avgTtfbMs: s.ttfbCount > 0 ? s.ttfbMsSum / s.ttfbCount : null,
    lastUsed: s.lastUsed,
  };
}

/** The label of a day or hour bucket (UTC). */
export function bucketLabel(groupBy: "day" | "hour", startMs: number): string {
  const iso = new Date(startMs).toISOString();
  return groupBy === "day" ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`;
}

/**
 * Groups in report order: days and hours in time order; keys, accounts and models by cost (unknown last), then
 * requests, then name.
 */
export function reportOf(q: UsageQuery, since: number, groups: Map<string | number, UsageSums>): UsageReport {
  const groupBy = q.groupBy ?? null;
  const total = emptySums();
  const entries = [...groups.entries()].filter(([, s]) => s.requests > 0);
  for (const [, s] of entries) addSums(total, s);
  let rows: UsageGroupRow[];
  if (groupBy === "day" || groupBy === "hour") {
    entries.sort((a, b) => Number(a[0]) - Number(b[0]));
    rows = entries.map(([k, s]) => ({ group: bucketLabel(groupBy, Number(k)), ...totalsOf(s) }));
  } else if (groupBy) {
    rows = entries.map(([k, s]) => ({ group: k === "" ? null : String(k), ...totalsOf(s) }));
    rows.sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.requests - a.requests || String(a.group).localeCompare(String(b.group)));
  } else {
    rows = [];
  }
  return { since, until: q.until, groupBy, rows, totals: totalsOf(total) };
}
