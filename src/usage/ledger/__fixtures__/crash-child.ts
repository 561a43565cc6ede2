/**
 * A process that records ledger rows on command and is then killed with SIGKILL by crash.test.ts.
 * `bun crash-child.ts <sqlite path> <batch size>`; stdin lines `record N` record N rows at once; stdout says
 * `ready`, `recorded <total>` and, after each batch committed, `written <total>`. The flush interval is an hour, so
 * a partial batch waits in memory (what a crash may lose) and full batches are written at once.
 */
import { silentLogger } from "../../../server/logger.ts";
import { createUsageLedger } from "../usage-ledger.ts";
import { createWorkerLedgerStore } from "../worker-store.ts";
import { usageRow } from "./rows.ts";

const [path, batch] = process.argv.slice(2);
const inner = createWorkerLedgerStore({ kind: "sqlite", path: path! });
let written = 0;
const store = {
  ...inner,
  async insertBatch(rows: Parameters<typeof inner.insertBatch>[0]) {
    await inner.insertBatch(rows);
    written += rows.length;
    process.stdout.write(`written ${written}\n`);
  },
};
const ledger = createUsageLedger({
  store,
  settings: { flushIntervalMs: 3_600_000, batchSize: Number(batch), bufferCap: 1_000_000, retentionDays: 30, rollupRetentionDays: 400 },
  logger: silentLogger,
});
await store.ready();
let recorded = 0;
process.stdout.write("ready\n");
for await (const line of console) {
  const m = /^record (\d+)$/.exec(line.trim());
  if (!m) continue;
  for (let i = 0; i < Number(m[1]); i++) ledger.record(usageRow({ time: Date.now(), requestId: `req_${recorded++}` }));
  process.stdout.write(`recorded ${recorded}\n`);
}
