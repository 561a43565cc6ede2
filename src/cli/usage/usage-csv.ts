import type { UsageTotals } from "../../usage/ledger/usage-report.ts";
import type { UsageDocument } from "../../usage/usage-document.ts";

const COLUMNS = [
  "row", "group", "name", "requests", "successes", "errors", "input_tokens", "output_tokens", "cache_read_tokens",
  "cache_write_tokens", "reasoning_tokens", "cost_usd", "unknown_cost_requests", "avg_total_ms", "avg_ttfb_ms", "last_used",
];

/**
 * The report as CSV (RFC 4180 quoting, lines ending in LF): a header, one line per group (`row` = group), the totals last (`row` = total). An
 * unknown cost is an empty cell, never 0; `last_used` is ISO 8601. Text that a spreadsheet would run as a formula
 * (model names come partly from clients) gets a leading apostrophe.
 */
export function usageCsv(doc: UsageDocument): string {
  const figures = (t: UsageTotals) => [
    t.requests, t.successes, t.errors, t.inputTokens, t.outputTokens, t.cacheReadTokens, t.cacheWriteTokens, t.reasoningTokens,
    t.costUsd ?? "", t.unknownCostRequests, t.avgTotalMs === null ? "" : Math.round(t.avgTotalMs * 100) / 100,
    t.avgTtfbMs === null ? "" : Math.round(t.avgTtfbMs * 100) / 100, t.lastUsed === null ? "" : new Date(t.lastUsed).toISOString(),
  ];
  const lines = [COLUMNS.join(",")];
  for (const r of doc.rows) lines.push(["group", text(r.group ?? ""), text(r.name ?? ""), ...figures(r)].map(String).join(","));
  lines.push(["total", "", "", ...figures(doc.totals)].map(String).join(","));
  return `${lines.join("\n")}\n`;
}

function text(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
