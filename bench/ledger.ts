/**
 * The usage ledger alone, SQLite in a temp folder, no network: what recording requests costs the gateway's thread
 * and how many rows per second the writer gets into the file. CPU figures come from /proc/self/task/<tid>/schedstat
 * (nanoseconds on a CPU per thread), so they hold on a busy box where wall-clock figures do not.
 *
 * Paced run: `--rate` rows a second (default 20,000, about the gateway's request rate on a 2-core box).
 * - record(): wall ns per call (spend figures and buffer push: what a request pays), rows made beforehand.
 * - gateway thread: CPU µs per row of all the ledger's work on the main thread (record, batching, the JSON hand-over
 *   to the worker, promise settling), less a run that makes the same rows and records nothing.
 * - other threads: CPU µs per row on the rest of the process (the store's worker: parse, inserts, rollups; GC helpers).
 * - in-thread insert: CPU µs per row an insert costs when the store runs on the gateway's thread (what the worker
 *   keeps off it).
 * Burst run: the same number of rows recorded as fast as they can be made.
 * - throughput: rows/s from record() to committed in the file (rows, hourly and daily totals), store on its worker.
 *
 *   bun bench/ledger.ts [--rows 100000] [--rate 20000] [--batch 2000] [--json]
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../src/server/logger.ts";
import { createSqlLedgerStore } from "../src/usage/ledger/sql-store.ts";
import { createUsageLedger } from "../src/usage/ledger/usage-ledger.ts";
import type { UsageRow } from "../src/usage/ledger/usage-row.ts";
import { createWorkerLedgerStore } from "../src/usage/ledger/worker-store.ts";

export interface LedgerBenchResult {
  rows: number;
  batchSize: number;
  /** Rows a second in the paced run. */
  rate: number;
  recordNsPerRow: number;
  /** Null where /proc has no per-thread schedstat. */
  gatewayThreadCpuUsPerRow: number | null;
  otherThreadsCpuUsPerRow: number | null;
  inThreadInsertCpuUsPerRow: number | null;
  writerRowsPerSec: number;
}

/** Nanoseconds on a CPU: [main thread, all other threads of this process]; undefined without /proc. */
function threadCpu(): [number, number] | undefined {
  const dir = "/proc/self/task";
  if (!existsSync(dir)) return undefined;
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(dir)) {
    try {
      const ns = Number(readFileSync(`${dir}/${tid}/schedstat`, "utf8").split(" ")[0]);
      if (Number(tid) === process.pid) main = ns;
      else other += ns;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return [main, other];
}
const cpuSince = (before: [number, number] | undefined): [number, number] | undefined => {
  const now = threadCpu();
  return before && now ? [now[0] - before[0], now[1] - before[1]] : undefined;
};

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const tick = () => new Promise<void>((r) => setImmediate(r));

const models = ["claude-sonnet-4-20250514", "gpt-4o", "gemini-2.5-flash"];
/** Row i, made when it is recorded (as a request makes it), so the heap holds only what the ledger holds. */
function makeRow(i: number, now: number): UsageRow {
  return {
    time: now,
    requestId: `req_${i.toString(36)}_bench`,
    keyId: `key-${i % 8}`,
    accountId: `acct-${i % 3}`,
    provider: "anthropic",
    modelRequested: models[i % 3]!,
    modelServed: models[i % 3]!,
    clientDialect: "anthropic-messages",
    upstreamDialect: "anthropic-messages",
    stream: i % 2 === 0,
    attempts: 1,
    status: i % 50 === 0 ? 502 : 200,
    errorType: i % 50 === 0 ? "upstream_error" : null,
    ttfbMs: 120 + (i % 40),
    totalMs: 900 + (i % 300),
    inputTokens: 1200 + (i % 500),
    outputTokens: 300 + (i % 100),
    cacheReadTokens: 800,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.0081,
  };
}

/** `pace`: what runs between slices of the paced run (50 ms by default; the bench's test passes a plain yield). */
export async function runLedgerBench(
  opts: { rows?: number; batchSize?: number; rate?: number; pace?: () => Promise<void> } = {},
): Promise<LedgerBenchResult> {
  const count = opts.rows ?? 100_000;
  const batchSize = opts.batchSize ?? 2000;
  const rate = opts.rate ?? 20_000;
  const pace = opts.pace ?? (() => Bun.sleep(50));
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
  try {
    // Paced: `rate` rows a second in slices every 50 ms, as requests would arrive; the buffer stays small, as it
    // does in a gateway whose database keeps up. The same pacing without recording is the baseline.
    const slice = Math.max(1, Math.round(rate / 20));
    const paced = async (record: ((r: UsageRow) => void) | undefined) => {
      let recordMs = 0;
      const before = threadCpu();
      for (let i = 0; i < count; i += slice) {
        const now = Date.now();
        const end = Math.min(count, i + slice);
        const made: UsageRow[] = [];
        for (let j = i; j < end; j++) made.push(makeRow(j, now));
        if (record) {
          const t = performance.now();
          for (const r of made) record(r);
          recordMs += performance.now() - t;
        }
        await pace();
      }
      return { recordMs, before };
    };
    const baseline = cpuSince((await paced(undefined)).before);

    const store = createWorkerLedgerStore({ kind: "sqlite", path: join(dir, "worker.db") });
    await store.ready();
    const ledger = createUsageLedger({
      store,
      settings: { flushIntervalMs: 1000, batchSize, bufferCap: count * 2, retentionDays: 3650, rollupRetentionDays: 3650 },
      logger: silentLogger,
    });
    const run = await paced((r) => ledger.record(r));
    // The last rows' write belongs to the run: CPU is read once they are in.
    await ledger.flush();
    const used = cpuSince(run.before);

    // Burst: everything recorded as fast as it can be made, then drained: the writer's ceiling.
    const t0 = performance.now();
    for (let i = 0; i < count; i += 2000) {
      const now = Date.now();
      for (let j = i; j < Math.min(count, i + 2000); j++) ledger.record(makeRow(count + j, now));
      await tick();
    }
    while (ledger.health().written < 2 * count) {
      await ledger.flush();
      await tick();
    }
    const elapsedMs = performance.now() - t0;
    await ledger.close();
    const recordMs = run.recordMs;

    // The same batches inserted on this thread: what the worker keeps off the gateway's thread.
    const direct = createSqlLedgerStore({ kind: "sqlite", path: join(dir, "direct.db") });
    await direct.ready();
    const sample = Math.min(count, 50_000);
    let directNs = 0;
    for (let i = 0; i < sample; i += batchSize) {
      const now = Date.now();
      const batch = Array.from({ length: batchSize }, (_, j) => makeRow(i + j, now));
      const c = threadCpu();
      await direct.insertBatch(batch);
      directNs += cpuSince(c)?.[0] ?? Number.NaN;
    }
    await direct.close();

    const perRow = (ns: number | undefined, rowsDone: number) => (ns === undefined || Number.isNaN(ns) ? null : round(ns / 1000 / rowsDone));
    return {
      rows: count,
      batchSize,
      rate,
      recordNsPerRow: round((recordMs * 1e6) / count, 0),
      gatewayThreadCpuUsPerRow: used && baseline ? perRow(Math.max(0, used[0] - baseline[0]), count) : null,
      otherThreadsCpuUsPerRow: used && baseline ? perRow(Math.max(0, used[1] - baseline[1]), count) : null,
      inThreadInsertCpuUsPerRow: perRow(directNs, sample),
      writerRowsPerSec: Math.round((count / elapsedMs) * 1000),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const r = await runLedgerBench({ rows: Number(arg("rows") ?? 100_000), batchSize: Number(arg("batch") ?? 2000), rate: Number(arg("rate") ?? 20_000) });
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else {
    const us = (v: number | null) => (v === null ? "n/a (no /proc)" : `${v} µs/row`);
    console.log(`usage ledger, SQLite, ${r.rows} rows at ${r.rate} rows/s, batches of ${r.batchSize}`);
    console.log(`  record()                              ${r.recordNsPerRow} ns/row (wall)`);
    console.log(`  gateway thread, all ledger work       ${us(r.gatewayThreadCpuUsPerRow)} CPU`);
    console.log(`  other threads (store worker, GC)      ${us(r.otherThreadsCpuUsPerRow)} CPU`);
    console.log(`  insert if run on the gateway thread   ${us(r.inThreadInsertCpuUsPerRow)} CPU`);
    console.log(`  writer throughput                     ${r.writerRowsPerSec} rows/s (record → committed)`);
  }
}
