import type { Logger } from "../../server/logger.ts";
import { createBatchWriter, realTimers, type LedgerHealth, type Timers } from "./batch-writer.ts";
import { isDataError } from "./describe-db-error.ts";
import { DAY_MS, HOUR_MS } from "./rollup.ts";
import { createSpendTracker, dayStartOf, monthStartOf, type Spend, type SpendSubject } from "./spend-tracker.ts";
import type { LedgerStore } from "./sql-store.ts";
import type { UsageQuery, UsageReport } from "./usage-report.ts";
import type { UsageRow } from "./usage-row.ts";

export interface LedgerSettings {
  flushIntervalMs: number;
  batchSize: number;
  bufferCap: number;
  retentionDays: number;
  rollupRetentionDays: number;
  /** A write running longer than this shows as degraded ("slow"). */
  slowAfterMs?: number;
}

export interface UsageLedger {
  /** On the request path, once per client request: buffered for the database, added to the spend figures. */
  record(row: UsageRow): void;
  /** Spend of a key or account in the current UTC day and month, from memory. */
  spendOf(subject: SpendSubject, id: string, now?: number): Spend;
  query(q: UsageQuery): Promise<UsageReport>;
  health(): LedgerHealth;
  /** Writes what is buffered now (tests, and `close`). */
  flush(): Promise<boolean>;
  /** Writes what is buffered (within `timeoutMs`), stops the timers, closes the database. */
  close(timeoutMs?: number): Promise<void>;
}

export interface UsageLedgerOptions {
  store: LedgerStore;
  settings: LedgerSettings;
  logger: Logger;
  clock?: () => number;
  timers?: Timers;
}

/**
 * The ledger as the gateway uses it: a batch writer in front of a store, the spend tracker beside it, retention
 * every hour. Start-up does not wait for the database: the store is checked in the background (a failure shows in
 * health() and is retried), and the spend before this start is read from it once it answers. That read counts only
 * rows older than this ledger's start, and the tracker counts the rows recorded since, so the two never overlap,
 * whenever the read lands.
 */
export function createUsageLedger(opts: UsageLedgerOptions): UsageLedger {
  const { store, settings, logger } = opts;
  const clock = opts.clock ?? Date.now;
  const timers = opts.timers ?? realTimers;
  const startedAt = clock();
  const spend = createSpendTracker(clock);
  let baselineRead = false;
  let readingBaseline: Promise<void> | undefined;
  let closed = false;

  const readBaseline = () => {
    if (baselineRead || readingBaseline || closed) return;
    readingBaseline = spendBeforeStart()
      .then(() => void (baselineRead = true))
      .catch((err) => logger.log("debug", "usage ledger: spend figures not read yet", { error: String(err) }))
      .finally(() => (readingBaseline = undefined));
  };

  const spendBeforeStart = async () => {
    const monthStart = monthStartOf(startedAt);
    const dayStart = dayStartOf(startedAt);
    for (const subject of ["key", "account"] as const) {
      const month = await store.query({ since: monthStart, until: startedAt, groupBy: subject });
      const day = await store.query({ since: dayStart, until: startedAt, groupBy: subject });
      for (const [period, report, windowStart] of [["month", month, monthStart], ["day", day, dayStart]] as const) {
        for (const r of report.rows) {
          if (r.group === null) continue;
          spend.addBaseline(subject, r.group, period, { windowStart, usd: r.costUsd ?? 0, unpriced: r.unknownCostRequests });
        }
      }
    }
  };

  const writer = createBatchWriter({
    write: (rows) => store.insertBatch(rows),
    probe: () => store.ready(),
    isDataError,
    logger,
    clock,
    timers,
    flushIntervalMs: settings.flushIntervalMs,
    batchSize: settings.batchSize,
    bufferCap: settings.bufferCap,
    slowAfterMs: settings.slowAfterMs,
    onWritten: readBaseline,
  });

  const prune = () => {
    const now = clock();
    store
      .prune({ rows: now - settings.retentionDays * DAY_MS, rollups: now - settings.rollupRetentionDays * DAY_MS })
      .then((r) => {
        if (r.rows + r.hourly + r.daily > 0) logger.log("info", "usage ledger: old usage removed", { rows: r.rows, hourly: r.hourly, daily: r.daily });
      })
      .catch((err) => logger.log("debug", "usage ledger: retention skipped", { error: String(err) }));
  };
  let pruneTimer: unknown;
  const schedulePrune = (ms: number) => {
    pruneTimer = timers.set(() => {
      prune();
      schedulePrune(HOUR_MS);
    }, ms);
  };

  store
    .ready()
    .then(() => {
      readBaseline();
      schedulePrune(0);
    })
    .catch((err) => {
      writer.noteFailure(err);
      schedulePrune(HOUR_MS);
    });

  return {
    record(row) {
      spend.add(row);
      writer.record(row);
    },
    spendOf: (subject, id, now) => spend.spendOf(subject, id, now),
    query: (q) => store.query(q, { rowsFrom: clock() - settings.retentionDays * DAY_MS }),
    health: () => writer.health(),
    flush: () => writer.flush(),
    async close(timeoutMs = 5000) {
      if (closed) return;
      closed = true;
      if (pruneTimer !== undefined) timers.clear(pruneTimer);
      await writer.close(timeoutMs);
      await readingBaseline;
      await store.close().catch((err) => logger.log("warn", "usage ledger: closing its database failed", { error: String(err) }));
    },
  };
}
