import type { Config } from "../../config/schema.ts";
import type { ConfigStore } from "../../config/store.ts";
import { openSealedUrl } from "../../config/url-credentials.ts";
import { describeDbError } from "../../usage/ledger/describe-db-error.ts";
import { ledgerTarget, openUsageReader, type UsageReader } from "../../usage/ledger/ledger-from-config.ts";
import type { UsageQuery, UsageReport } from "../../usage/ledger/usage-report.ts";

/**
 * The CLI's view of the ledger: read-only, in this thread, the database URL opened with the master key. Queries
 * fail with a message fit for the terminal (never the URL or its password).
 */
export interface CliUsageReader extends UsageReader {
  /** Where the ledger lives, for messages: the SQLite file, or "the PostgreSQL database". */
  where: string;
}

export function openCliUsageReader(store: ConfigStore, config: Config): CliUsageReader {
  const usage = { ...config.usage, database_url: openSealedUrl(config.usage.database_url, "usage.database_url", () => store.cipher) };
  const target = ledgerTarget(usage, store.path);
  const reader = openUsageReader({ usage, configPath: store.path, thread: "this" });
  return {
    where: target.kind === "sqlite" ? target.path : "the PostgreSQL database (usage.database_url)",
    async query(q: UsageQuery): Promise<UsageReport | undefined> {
      try {
        return await reader.query(q);
      } catch (err) {
        throw new Error(`cannot read the usage ledger: ${describeDbError(err)}`);
      }
    },
    close: () => reader.close().catch(() => {}),
  };
}
