import { dirname, resolve } from "node:path";
import { usageDbPath } from "../../config/paths.ts";
import type { UsageConfig } from "../../config/schema.ts";
import type { Logger } from "../../server/logger.ts";
import type { LedgerTarget } from "./sql-store.ts";
import { createUsageLedger, type LedgerSettings, type UsageLedger } from "./usage-ledger.ts";
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
export function openUsageLedger(opts: { usage: UsageConfig; configPath: string; logger: Logger }): UsageLedger | undefined {
  if (!opts.usage.enabled) return undefined;
  const store = createWorkerLedgerStore(ledgerTarget(opts.usage, opts.configPath), {
    onNotice: (message) => opts.logger.log("warn", `usage ledger: ${message}`),
  });
  return createUsageLedger({ store, settings: ledgerSettings(opts.usage), logger: opts.logger });
}
