import { expect, test } from "bun:test";
import { runLedgerBench } from "./ledger.ts";

test("the ledger bench writes every row and reports each figure", async () => {
  const r = await runLedgerBench({ rows: 3000, batchSize: 200, rate: 20_000, pace: () => new Promise((r) => setImmediate(r)) });
  expect(r.rows).toBe(3000);
  for (const v of [r.recordNsPerRow, r.writerRowsPerSec]) expect(v).toBeGreaterThan(0);
  for (const v of [r.gatewayThreadCpuUsPerRow, r.otherThreadsCpuUsPerRow, r.inThreadInsertCpuUsPerRow]) expect(v === null || v >= 0).toBe(true);
});
