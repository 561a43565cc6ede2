import { UsageError } from "clipanion";

/** A limit per UTC day and per calendar month: a number sets it, null removes it, absent leaves it as it is. */
export interface SpendLimits {
  daily?: number | null;
  monthly?: number | null;
}

const PERIODS: Record<string, "daily" | "monthly"> = { day: "daily", daily: "daily", month: "monthly", monthly: "monthly" };

/**
 * `--budget-usd 50/month`, `--budget-usd 5/day` (repeatable, once per period), `--budget-usd none/month` to
 * remove one. The amount is US dollars, more than 0 (a `$` in front is allowed).
 */
export function parseSpendLimits(flag: string, values: string[] | undefined): SpendLimits {
  const limits: SpendLimits = {};
  for (const raw of values ?? []) {
    const m = /^\s*\$?([^/\s]+)\s*\/\s*([a-z]+)\s*$/i.exec(raw);
    const period = m ? PERIODS[m[2]!.toLowerCase()] : undefined;
    if (!m || !period) throw new UsageError(`${flag} expects AMOUNT/day or AMOUNT/month (e.g. 50/month, none/day), got "${raw}"`);
    if (limits[period] !== undefined) throw new UsageError(`${flag} gives the ${period === "daily" ? "day" : "month"} limit twice`);
    const amount = m[1]!.toLowerCase();
    if (amount === "none" || amount === "off") {
      limits[period] = null;
      continue;
    }
    const usd = /^\d+(\.\d+)?$/.test(amount) ? Number(amount) : Number.NaN;
    if (!Number.isFinite(usd)) throw new UsageError(`${flag} expects an amount in US dollars before the /, got "${m[1]}"`);
    if (usd <= 0) throw new UsageError(`${flag} must be more than 0 (none/${m[2]} removes the limit), got ${m[1]}`);
    limits[period] = usd;
  }
  return limits;
}

/** Applies limits to an item's two fields: a number sets one, null deletes it. */
export function applySpendLimits<T extends object>(item: T, limits: SpendLimits, fields: { daily: keyof T; monthly: keyof T }): void {
  for (const period of ["daily", "monthly"] as const) {
    const v = limits[period];
    if (v === undefined) continue;
    if (v === null) delete item[fields[period]];
    else (item as Record<keyof T, unknown>)[fields[period]] = v;
  }
}
