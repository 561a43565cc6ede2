import { dirname, resolve } from "node:path";
import { usageDbPath } from "../../config/paths.ts";
import type { UsageConfig } from "../../config/schema.ts";
import type { Logger } from "../../server/logger.ts";
import { DAY_MS } from "./rollup.ts";
import { createSqlLedgerStore, type LedgerStore, type LedgerTarget } from "./sql-store.ts";
import { createUsageLedger, type LedgerSettings, type UsageLedger } from "./usage-ledger.ts";
import type { UsageQuery, UsageReport } from "./usage-report.ts";
import { createWorkerLedgerStore } from "./worker-store.ts";

/** PostgreSQL when `database_url` is set; else the SQLite file `path` (relative to the config's folder) or usage.db beside the config. */
export function ledgerTarget(usage: UsageConfig, configPath: string): LedgerTarget {
  if (usage.database_url) return { kind: "postgres", url: usage.database_url };
  return { kind: "sqlite", path: usage.path ? resolve(dirname(configPath), usage.path) : usageDbPath(configPath) };
}

/** The config's seconds as the writer's milliseconds. */
export function ledgerSettings(usage: UsageConfig): LedgerSettings {
  return {
    flushIntervalMs: Math.round(usage.flush_interval * 1000),
    batchSize: usage.batch_size,
    bufferCap: usage.buffer_size,
    retentionDays: usage.retention_days,
    rollupRetentionDays: Math.max(usage.rollup_retention_days, usage.retention_days),
  };
}

/** The running gateway's ledger: the store on its own thread. Undefined when `usage.enabled` is false. */
export function openUsageLedger(opts: { usage: UsageConfig; configPath: string; logger: Logger; clock?: () => number }): UsageLedger | undefined {
  if (!opts.usage.enabled) return undefined;
  const store = createWorkerLedgerStore(ledgerTarget(opts.usage, opts.configPath), {
    onNotice: (message) => opts.logger.log("warn", `usage ledger: ${message}`),
  });
  return createUsageLedger({ store, settings: ledgerSettings(opts.usage), logger: opts.logger, clock: opts.clock });
}

/** A ledger read by a process that does not write it: the `usage` command, or the server while no ledger writes. */
export interface UsageReader {
  /** Undefined when there is no ledger yet (no database, or one without the ledger's tables). */
  query(q: UsageQuery): Promise<UsageReport | undefined>;
  close(): Promise<void>;
}

/**
 * Opens the ledger read-only (sql-store.ts `readOnly`): nothing is created or migrated, and a gateway writing the
 * same SQLite file at the same time is not disturbed. `usage.database_url` must be given opened (in the clear).
 * `thread: "worker"` runs the queries on a thread of their own (a server: a month's query never stalls
 * requests); "this" in the calling thread (the CLI, which does nothing else meanwhile). Request rows older than
 * `retention_days` count as gone, as for the ledger itself (query-plan.ts).
 */
export function openUsageReader(opts: { usage: UsageConfig; configPath: string; thread: "worker" | "this"; clock?: () => number }): UsageReader {
  const clock = opts.clock ?? Date.now;
  const target = ledgerTarget(opts.usage, opts.configPath);
  const storeOpts = { readOnly: true, connectionTimeoutS: 5 };
  const store: LedgerStore = opts.thread === "worker" ? createWorkerLedgerStore(target, storeOpts) : createSqlLedgerStore(target, storeOpts);
  return {
    async query(q) {
      try {
        return await store.query(q, { rowsFrom: clock() - opts.usage.retention_days * DAY_MS });
      } catch (err) {
        if ((err as { code?: unknown })?.code === "LEDGER_MISSING") return undefined;
        throw err;
      }
    },
    close: () => store.close(),
  };
}
