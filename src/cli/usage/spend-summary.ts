import type { Config } from "../../config/schema.ts";
import { DAY_MS } from "../../usage/ledger/rollup.ts";
import { dayStartOf, monthStartOf, nextMonthStart } from "../../usage/ledger/spend-tracker.ts";
import { reportOf, type UsageQuery, type UsageTotals } from "../../usage/ledger/usage-report.ts";
import type { OutputStream } from "../base-command.ts";
import { formatTotalsLine, formatUsd } from "./format-usage.ts";
import type { CliUsageReader } from "./open-usage-reader.ts";

/** A budget (key) or spend cap (account) against what the ledger has recorded in its window. */
export interface LimitState {
  limitUsd: number;
  spentUsd: number;
  leftUsd: number;
  /** Requests of the window without a known cost: not in spentUsd. */
  unpricedRequests: number;
  /** When the window starts again (ISO 8601, UTC). */
  resetsAt: string;
}

/** A key's or account's usage for `show`: today, this month and everything kept, with its limits. */
export interface SpendSummary {
  /** False while no gateway has recorded usage (no ledger database): the figures are zero. */
  recorded: boolean;
  today: UsageTotals;
  month: UsageTotals;
  /** Everything the ledger keeps (`usage.rollup_retention_days`), from `allTimeSince`. */
  allTime: UsageTotals;
  allTimeSince: string;
  daily: LimitState | null;
  monthly: LimitState | null;
}

type Filter = Pick<UsageQuery, "keyId" | "accountId">;

/** Three queries without grouping (each a few rows of the daily and hourly totals). */
export async function spendSummary(
  reader: CliUsageReader,
  config: Config,
  filter: Filter,
  limits: { daily?: number; monthly?: number },
  now: number,
): Promise<SpendSummary> {
  const until = now + 1;
  const day = dayStartOf(now);
  const month = monthStartOf(now);
  const kept = now - Math.max(config.usage.rollup_retention_days, config.usage.retention_days) * DAY_MS;
  const totals = async (since: number) => {
    const q = { since, until, ...filter };
    const r = await reader.query(q);
    return { recorded: r !== undefined, totals: (r ?? reportOf(q, since, new Map())).totals };
  };
  const today = await totals(day);
  const thisMonth = await totals(month);
  const all = await totals(kept);
  const limit = (usd: number | undefined, t: UsageTotals, resetsAt: number): LimitState | null =>
    usd === undefined
      ? null
      : {
          limitUsd: usd,
          spentUsd: t.costUsd ?? 0,
          leftUsd: Math.max(0, Math.round((usd - (t.costUsd ?? 0)) * 1e8) / 1e8),
          unpricedRequests: t.unknownCostRequests,
          resetsAt: new Date(resetsAt).toISOString().replace(".000Z", "Z"),
        };
  return {
    recorded: today.recorded && all.recorded,
    today: today.totals,
    month: thisMonth.totals,
    allTime: all.totals,
    allTimeSince: new Date(kept).toISOString(),
    daily: limit(limits.daily, today.totals, day + DAY_MS),
    monthly: limit(limits.monthly, thisMonth.totals, nextMonthStart(month)),
  };
}

/**
 * The summary, or null with one warning line when the ledger cannot be read: a `show` command still shows the
 * rest (the ledger may be a PostgreSQL server that is down).
 */
export async function spendSummaryOrWarn(
  open: () => CliUsageReader,
  stderr: OutputStream,
  config: Config,
  filter: Filter,
  limits: { daily?: number; monthly?: number },
  now: number,
): Promise<SpendSummary | null> {
  let reader: CliUsageReader | undefined;
  try {
    reader = open();
    return await spendSummary(reader, config, filter, limits, now);
  } catch (e) {
    stderr.write(`warning: usage not shown: ${(e as Error).message.split("\n")[0]}\n`);
    return null;
  } finally {
    await reader?.close();
  }
}

/** This month's totals per key or account (one grouped query), for `list` commands; null with a warning when unreadable. */
export async function monthByGroup(open: () => CliUsageReader, stderr: OutputStream, groupBy: "key" | "account", now: number): Promise<Map<string, UsageTotals> | null> {
  let reader: CliUsageReader | undefined;
  try {
    reader = open();
    const r = await reader.query({ since: monthStartOf(now), until: now + 1, groupBy });
    return new Map((r?.rows ?? []).flatMap((row) => (row.group === null ? [] : [[row.group, row] as const])));
  } catch (e) {
    stderr.write(`warning: spend not shown: ${(e as Error).message.split("\n")[0]}\n`);
    return null;
  } finally {
    await reader?.close();
  }
}

/** `show` lines: limits first, then the usage of each window. `limitName`: "budget" for keys, "spend cap" for accounts. */
export function spendFields(s: SpendSummary | null, limitName: string): [string, string][] {
  if (!s) return [["usage", "(not available: see the warning)"]];
  const limitText = (l: LimitState | null) => {
    if (!l) return "none";
    const over = l.spentUsd >= l.limitUsd;
    const unpriced = l.unpricedRequests ? `; ${l.unpricedRequests} request${l.unpricedRequests === 1 ? "" : "s"} without a known cost not counted` : "";
    return `${formatUsd(l.limitUsd)}: spent ${formatUsd(l.spentUsd)}, ${over ? "none left (over)" : `${formatUsd(l.leftUsd)} left`}; resets ${l.resetsAt}${unpriced}`;
  };
  const fields: [string, string][] = [
    [`${limitName} (day)`, limitText(s.daily)],
    [`${limitName} (month)`, limitText(s.monthly)],
  ];
  if (!s.recorded) return [...fields, ["usage", "none recorded yet"]];
  return [
    ...fields,
    ["usage today", formatTotalsLine(s.today)],
    ["usage this month", formatTotalsLine(s.month)],
    ["usage all time", `${formatTotalsLine(s.allTime)} (since ${s.allTimeSince.slice(0, 10)})`],
  ];
}

/** A `list` cell: this month's cost; `?` when the ledger could not be read. */
export function monthSpendCell(byId: Map<string, UsageTotals> | null, id: string): string {
  if (!byId) return "?";
  const t = byId.get(id);
  if (!t) return "-";
  return t.costUsd === null ? "unknown" : formatUsd(t.costUsd) + (t.unknownCostRequests ? ` +${t.unknownCostRequests} unpriced` : "");
}
