import type { LedgerTarget, PruneResult } from "./sql-store.ts";
import type { UsageQuery, UsageReport } from "./usage-report.ts";
import type { PackedRows } from "./usage-row.ts";

/** Messages between worker-store.ts (the gateway's thread) and store-worker.ts (the ledger's thread). */
export type WorkerRequest = { id: number } & (
  | { op: "open"; target: LedgerTarget; busyTimeoutMs?: number; readOnly?: boolean }
  | { op: "ready" }
  | { op: "insert"; packed: PackedRows }
  | { op: "query"; query: UsageQuery; options?: { rowsFrom?: number } }
  | { op: "prune"; before: { rows: number; rollups: number } }
  | { op: "close" }
);

export interface WorkerError {
  message: string;
  name: string;
  code?: string;
  errno?: string | number;
}

export type WorkerReply =
  | { id: number; ok: true; value?: UsageReport | PruneResult | unknown }
  | { id: number; ok: false; error: WorkerError }
  | { notice: string };
