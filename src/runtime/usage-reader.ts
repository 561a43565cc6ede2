import type { Config } from "../config/schema.ts";
import { openUsageReader, type UsageReader } from "../usage/ledger/ledger-from-config.ts";

/**
 * The server's read side of the usage ledger, for `GET /admin/api/usage`: the ledger opened read-only on a
 * thread of its own (started at the first query), from the `usage` section at start (its database URL opened,
 * runtime-config.ts). Where this process also writes the ledger, the ledger's own `query` serves the same purpose.
 */
export function openServerUsageReader(config: Config, configPath: string): UsageReader {
  return openUsageReader({ usage: config.usage, configPath, thread: "worker" });
}
