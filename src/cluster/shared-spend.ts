import type { Config } from "../config/schema.ts";
import type { SharedBackend } from "../state/shared-backend.ts";
import { dayStartOf, monthStartOf, type Spend, type SpendSubject } from "../usage/ledger/spend-tracker.ts";
import type { UsageRow } from "../usage/ledger/usage-row.ts";

const DAY_KEPT_MS = 2 * 86_400_000;
const MONTH_KEPT_MS = 32 * 86_400_000;

interface Sums {
  dayStart: number;
  day: number;
  monthStart: number;
  month: number;
}

export interface SharedSpend {
  /** A recorded row (on the request path: a few map operations; sent in batches). */
  add(row: UsageRow): void;
  /** What budgets and caps are checked against: the larger of this process's figures and the shared ones. */
  spendOf(subject: SpendSubject, id: string, now: number, local: Spend): Spend;
  stop(): Promise<void>;
}

/**
 * Spend of the keys with budgets and the accounts with spend caps, shared between gateway processes so that a
 * budget is one budget, not one per instance. Rows add their cost to this process's pending sums; every 250 ms the
 * sums go to the shared store in one call (counters per subject and UTC day or month, kept two days or 32 days),
 * which answers the totals; every second the totals of every budgeted subject are read. Checks stay lookups in
 * memory: the shared totals as last seen, plus what this process has not sent yet, never below this process's own
 * figures (the ledger's, which also cover the time before the store had any). So instances learn each other's spend
 * within about a second, in the same spirit as a budget's overshoot by the requests already in flight.
 * A counter the store lost (emptied while instances ran) is started again from this process's own figure.
 */
export function createSharedSpend(deps: {
  backend: SharedBackend;
  config: () => Config;
  /** This process's own figures (the ledger's spend tracker). */
  local: (subject: SpendSubject, id: string, now: number) => Spend;
  clock: () => number;
  flushMs?: number;
  refreshMs?: number;
}): SharedSpend {
  const { backend, clock } = deps;
  const view = new Map<string, Sums>();
  let pending = new Map<string, Sums>();
  let sending = new Map<string, Sums>();
  let trackedFor: Config | undefined;
  let tracked = new Set<string>();

  const subjectKey = (subject: SpendSubject, id: string) => `${subject}:${id}`;
  /** The keys with a budget and the accounts with a cap, worked out once per configuration. */
  const trackedSubjects = () => {
    const config = deps.config();
    if (config !== trackedFor) {
      trackedFor = config;
      tracked = new Set([
        ...config.gateway_keys.filter((g) => g.budget_usd_daily !== undefined || g.budget_usd_monthly !== undefined).map((g) => subjectKey("key", g.id)),
        ...config.upstream_accounts.filter((a) => a.spend_cap_usd_daily !== undefined || a.spend_cap_usd_monthly !== undefined).map((a) => subjectKey("account", a.id)),
      ]);
    }
    return tracked;
  };
  const counterKeys = (k: string, s: Pick<Sums, "dayStart" | "monthStart">) => [`spend:${k}:d:${s.dayStart}`, `spend:${k}:m:${s.monthStart}`] as const;

  const addTo = (map: Map<string, Sums>, k: string, dayStart: number, monthStart: number, day: number, month: number) => {
    const s = map.get(k);
    if (!s || s.dayStart !== dayStart || s.monthStart !== monthStart) {
      // A new day or month: what is left of the old one is for a window no check reads any more (it was sent, or
      // is dropped with the window).
      map.set(k, { dayStart, day, monthStart, month });
    } else {
      s.day += day;
      s.month += month;
    }
  };
  const partOf = (s: Sums | undefined, dayStart: number, monthStart: number) => ({
    day: s && s.dayStart === dayStart ? s.day : 0,
    month: s && s.monthStart === monthStart ? s.month : 0,
  });

  const flush = async () => {
    if (pending.size === 0 || !backend.up || sending.size > 0) return;
    sending = pending;
    pending = new Map();
    const order = [...sending.entries()];
    const adds = order.flatMap(([k, s]) => {
      const [d, m] = counterKeys(k, s);
      return [
        { key: d, by: s.day, ttlMs: DAY_KEPT_MS },
        { key: m, by: s.month, ttlMs: MONTH_KEPT_MS },
      ];
    });
    try {
      const totals = await backend.addFloats(adds);
      order.forEach(([k, s], i) => view.set(k, { dayStart: s.dayStart, day: totals[2 * i]!, monthStart: s.monthStart, month: totals[2 * i + 1]! }));
    } catch {
      // Not counted there: sent again with the next batch.
      for (const [k, s] of sending) addTo(pending, k, s.dayStart, s.monthStart, s.day, s.month);
    }
    sending = new Map();
  };

  const refresh = async () => {
    if (!backend.up) return;
    const subjects = [...trackedSubjects()];
    if (subjects.length === 0) return;
    const now = clock();
    const windows = { dayStart: dayStartOf(now), monthStart: monthStartOf(now) };
    try {
      const values = await backend.mget(subjects.flatMap((k) => counterKeys(k, windows)));
      subjects.forEach((k, i) => {
        const day = values[2 * i];
        const month = values[2 * i + 1];
        view.set(k, { ...windows, day: Number(day ?? 0), month: Number(month ?? 0) });
        if (day === null || month === null) {
          // Lost, or never written: started from this process's figure (another process may have been first).
          const [subject, id] = [k.slice(0, k.indexOf(":")) as SpendSubject, k.slice(k.indexOf(":") + 1)];
          const own = deps.local(subject, id, now);
          const [dk, mk] = counterKeys(k, windows);
          if (day === null && own.dayUsd > 0) backend.setIfAbsent(dk, String(own.dayUsd), DAY_KEPT_MS).catch(() => undefined);
          if (month === null && own.monthUsd > 0) backend.setIfAbsent(mk, String(own.monthUsd), MONTH_KEPT_MS).catch(() => undefined);
        }
      });
    } catch {
      // degraded: the last totals seen still count, with this process's own figures as the floor
    }
  };

  const timers = [setInterval(() => void flush(), deps.flushMs ?? 250), setInterval(() => void refresh(), deps.refreshMs ?? 1000)];
  for (const t of timers) t.unref?.();
  backend.onUp(() => void refresh());

  return {
    add(row) {
      const cost = row.costUsd;
      if (!cost || cost <= 0) return;
      const dayStart = dayStartOf(row.time);
      const monthStart = monthStartOf(dayStart);
      for (const k of [row.keyId && subjectKey("key", row.keyId), row.accountId && subjectKey("account", row.accountId)]) {
        if (k && trackedSubjects().has(k)) addTo(pending, k, dayStart, monthStart, cost, cost);
      }
    },
    spendOf(subject, id, now, local) {
      const k = subjectKey(subject, id);
      const seen = view.get(k);
      if (seen === undefined && pending.size === 0) return local;
      const dayStart = dayStartOf(now);
      const monthStart = monthStartOf(dayStart);
      const v = partOf(seen, dayStart, monthStart);
      const p = partOf(pending.get(k), dayStart, monthStart);
      const s = partOf(sending.get(k), dayStart, monthStart);
      const day = v.day + p.day + s.day;
      const month = v.month + p.month + s.month;
      if (day <= local.dayUsd && month <= local.monthUsd) return local;
      return { ...local, dayUsd: Math.max(day, local.dayUsd), monthUsd: Math.max(month, local.monthUsd) };
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      await flush();
    },
  };
}
