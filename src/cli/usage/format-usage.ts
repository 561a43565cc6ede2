import type { UsageGroupBy, UsageTotals } from "../../usage/ledger/usage-report.ts";
import type { UsageDocument, UsageDocumentRow } from "../../usage/usage-document.ts";
import { formatTable } from "../format-table.ts";

/** Dollars with two to four decimals: a single request often costs a fraction of a cent. */
export const formatUsd = (usd: number) => `$${usd.toFixed(4).replace(/(\.\d\d\d?)0+$/, "$1").replace(/(\.\d\d)0$/, "$1")}`;

/** A cost as known: `unknown` when no request of it had a price, never $0. */
export const formatCost = (t: Pick<UsageTotals, "costUsd">) => (t.costUsd === null ? "unknown" : formatUsd(t.costUsd));

export const formatCount = (n: number) => n.toLocaleString("en-US");

const formatMs = (ms: number | null) => (ms === null ? "-" : formatCount(Math.round(ms)));

/** "12 requests, 34,567 tokens in, 1,234 out, $0.1234 (3 without a known cost)", for `show` commands. */
export function formatTotalsLine(t: UsageTotals): string {
  if (t.requests === 0) return "no requests";
  const parts = [
    `${formatCount(t.requests)} request${t.requests === 1 ? "" : "s"}${t.errors ? ` (${formatCount(t.errors)} failed)` : ""}`,
    `${formatCount(t.inputTokens)} tokens in, ${formatCount(t.outputTokens)} out`,
    formatCost(t) + (t.unknownCostRequests && t.costUsd !== null ? ` + ${formatCount(t.unknownCostRequests)} without a known cost` : ""),
  ];
  return parts.join(", ");
}

const GROUP_HEADER: Record<UsageGroupBy, string> = { key: "KEY", account: "ACCOUNT", model: "MODEL", day: "DAY (UTC)", hour: "HOUR (UTC)" };
const NONE: Record<UsageGroupBy, string> = { key: "(no key)", account: "(no account)", model: "(no model)", day: "-", hour: "-" };

/** A group as people read it: `name (id)` for keys and accounts the config knows. */
export function groupLabel(groupBy: UsageGroupBy, row: UsageDocumentRow): string {
  if (row.group === null) return NONE[groupBy];
  return row.name !== undefined ? `${row.name} (${row.group})` : row.group;
}

const shortTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 16);

/** The `usage` command's table: a line saying what range it covers, one row per group, the totals last. */
export function formatUsageTable(doc: UsageDocument, requestedSince: number): string {
  const head = [
    `Usage ${shortTime(doc.since)} → ${shortTime(doc.until)} UTC${doc.groupBy ? `, by ${doc.groupBy}` : ""}${filtersText(doc)}`,
  ];
  if (doc.since < requestedSince) head.push(`(from ${shortTime(doc.since)}: request rows before then are past usage.retention_days, so the range starts on the hour)`);
  if (doc.totals.requests === 0) return `${head.join("\n")}\n\nNo requests in this range.`;
  const cells = (t: UsageTotals) => [
    formatCount(t.requests),
    formatCount(t.errors),
    formatCount(t.inputTokens),
    formatCount(t.outputTokens),
    formatCount(t.cacheReadTokens),
    formatCount(t.cacheWriteTokens),
    formatCount(t.reasoningTokens),
    formatCost(t),
    t.unknownCostRequests ? formatCount(t.unknownCostRequests) : "-",
    formatMs(t.avgTotalMs),
    formatMs(t.avgTtfbMs),
  ];
  const headers = [doc.groupBy ? GROUP_HEADER[doc.groupBy] : "", "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "REASONING", "COST", "UNPRICED", "AVG MS", "AVG TTFB MS"];
  const rows = doc.groupBy ? doc.rows.map((r) => [groupLabel(doc.groupBy!, r), ...cells(r)]) : [];
  rows.push(["TOTAL", ...cells(doc.totals)]);
  const notes: string[] = [];
  if (doc.totals.unknownCostRequests > 0) {
    notes.push(
      `UNPRICED: requests without a known cost (no price for the model, or no usage reported); COST leaves them out.`,
    );
  }
  notes.push("Tokens: INPUT includes cache reads and writes, OUTPUT includes reasoning.");
  return [...head, "", formatTable(headers, rows), "", ...notes].join("\n");
}

function filtersText(doc: UsageDocument): string {
  const f = doc.filters;
  const parts = [
    f.keyId !== undefined && `key ${f.keyId}`,
    f.accountId !== undefined && `account ${f.accountId}`,
    f.model !== undefined && `model ${f.model}`,
  ].filter(Boolean);
  return parts.length ? `, only ${parts.join(", ")}` : "";
}
