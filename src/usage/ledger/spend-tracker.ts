import { DAY_MS } from "./rollup.ts";
import type { UsageRow } from "./usage-row.ts";

export type SpendSubject = "key" | "account";

/** Spend of one key or account in the current UTC day and month. */
export interface Spend {
  dayUsd: number;
  monthUsd: number;
  /** Requests of the window whose cost is unknown (not in the sums). */
  dayUnpriced: number;
  monthUnpriced: number;
  /** When the windows reset, epoch ms (a budget's Retry-After). */
  dayResetsAt: number;
  monthResetsAt: number;
}

/** Window sums read from the database at start: the spend before this process recorded anything. */
export interface SpendBaseline {
  windowStart: number;
  usd: number;
  unpriced: number;
}

export interface SpendTracker {
  /** On the request path: a few map operations, no I/O. */
  add(row: UsageRow): void;
  addBaseline(subject: SpendSubject, id: string, period: "day" | "month", baseline: SpendBaseline): void;
  /** For a budget check before a request: no query, no await. */
  spendOf(subject: SpendSubject, id: string, now?: number): Spend;
}

interface Entry {
  dayStart: number;
  day: number;
  dayUnpriced: number;
  monthStart: number;
  month: number;
  monthUnpriced: number;
}

export const dayStartOf = (t: number) => t - (t % DAY_MS);
export function monthStartOf(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}
export const nextMonthStart = (monthStart: number) => {
  const d = new Date(monthStart);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/**
 * Spend per gateway key and per upstream account in the current day and month (UTC), kept in memory so budget
 * checks need no query on the request path: the database's sums up to the process start (read once, see
 * usage-ledger.ts), plus every row recorded since. A row counts in the windows its request started in; windows
 * roll over by themselves. Several gateways on one database each see the others' spend as of their own start.
 */
export function createSpendTracker(clock: () => number = Date.now): SpendTracker {
  const maps: Record<SpendSubject, Map<string, Entry>> = { key: new Map(), account: new Map() };
  // A row's month start, remembered for its day: one Date per day instead of one per row.
  let cachedDay = Number.NaN;
  let cachedMonth = 0;
  const monthOfDay = (dayStart: number) => {
    if (dayStart !== cachedDay) {
      cachedDay = dayStart;
      cachedMonth = monthStartOf(dayStart);
    }
    return cachedMonth;
  };

  const entry = (subject: SpendSubject, id: string, dayStart: number, monthStart: number): Entry => {
    let e = maps[subject].get(id);
    if (!e) {
      e = { dayStart, day: 0, dayUnpriced: 0, monthStart, month: 0, monthUnpriced: 0 };
      maps[subject].set(id, e);
    }
    if (dayStart > e.dayStart) {
      e.dayStart = dayStart;
      e.day = 0;
      e.dayUnpriced = 0;
    }
    if (monthStart > e.monthStart) {
      e.monthStart = monthStart;
      e.month = 0;
      e.monthUnpriced = 0;
    }
    return e;
  };

  const addTo = (e: Entry, dayStart: number, monthStart: number, cost: number | null) => {
    if (dayStart === e.dayStart) {
      if (cost === null) e.dayUnpriced++;
      else e.day += cost;
    }
    if (monthStart === e.monthStart) {
      if (cost === null) e.monthUnpriced++;
      else e.month += cost;
    }
  };

  return {
    add(row) {
      const dayStart = dayStartOf(row.time);
      const monthStart = monthOfDay(dayStart);
      if (row.keyId) addTo(entry("key", row.keyId, dayStart, monthStart), dayStart, monthStart, row.costUsd);
      if (row.accountId) addTo(entry("account", row.accountId, dayStart, monthStart), dayStart, monthStart, row.costUsd);
    },

    addBaseline(subject, id, period, s) {
      const now = clock();
      const e = entry(subject, id, dayStartOf(now), monthStartOf(now));
      if (period === "day" && s.windowStart === e.dayStart) {
        e.day += s.usd;
        e.dayUnpriced += s.unpriced;
      } else if (period === "month" && s.windowStart === e.monthStart) {
        e.month += s.usd;
        e.monthUnpriced += s.unpriced;
      }
    },

    spendOf(subject, id, now = clock()) {
      const dayStart = dayStartOf(now);
      const monthStart = monthOfDay(dayStart);
      const e = maps[subject].get(id);
      const sameDay = e !== undefined && e.dayStart === dayStart;
      const sameMonth = e !== undefined && e.monthStart === monthStart;
      return {
        dayUsd: sameDay ? e!.day : 0,
        monthUsd: sameMonth ? e!.month : 0,
        dayUnpriced: sameDay ? e!.dayUnpriced : 0,
        monthUnpriced: sameMonth ? e!.monthUnpriced : 0,
        dayResetsAt: dayStart + DAY_MS,
        monthResetsAt: nextMonthStart(monthStart),
      };
    },
  };
}
