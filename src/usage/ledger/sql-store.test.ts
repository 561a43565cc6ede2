import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findPostgresBin, startPostgres, type PostgresServer } from "../../../test/support/postgres-server.ts";
import { expectedReport, expectSameReport } from "./__fixtures__/expected-report.ts";
import { randomRows, usageRow } from "./__fixtures__/rows.ts";
import { LATEST_SCHEMA_VERSION } from "./migrations.ts";
import { DAY_MS, HOUR_MS } from "./rollup.ts";
import { createSqlLedgerStore, LedgerMissingError, LedgerSchemaError, type LedgerStore, type LedgerTarget } from "./sql-store.ts";
import { USAGE_GROUPS, type UsageQuery } from "./usage-report.ts";
import { createWorkerLedgerStore } from "./worker-store.ts";

/**
 * The store's contract, run against SQLite in a temp folder and against a real PostgreSQL server started here
 * (skipped, with the reason printed, only where no PostgreSQL binaries are installed).
 */
interface Backend {
  name: string;
  /** A fresh, empty database each call. */
  target(): LedgerTarget;
  /** Direct access for checks the store does not offer. */
  raw(target: LedgerTarget): SQL;
}

const tmp = mkdtempSync(join(tmpdir(), "ledger-store-"));
let pg: PostgresServer | undefined;
const pgBin = findPostgresBin();
if (!pgBin) console.log("sql-store.test: PostgreSQL binaries not found under /usr/lib/postgresql: the PostgreSQL half is skipped");

beforeAll(async () => {
  if (pgBin) pg = await startPostgres(pgBin);
});
afterAll(async () => {
  await pg?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const sqlite: Backend = {
  name: "sqlite",
  target: () => ({ kind: "sqlite", path: join(tmp, `db-${++n}`, "usage.db") }),
  raw: (t) => new SQL({ adapter: "sqlite", filename: (t as { path: string }).path }),
};
const postgres: Backend = {
  name: "postgres",
  target: () => {
    // One database per call keeps the cases apart on one server.
    const name = `ledger_${++n}`;
    pg!.psql(`CREATE DATABASE ${name} STRATEGY FILE_COPY`);
    return { kind: "postgres", url: pg!.url.replace(/\/postgres$/, `/${name}`) };
  },
  raw: (t) => new SQL((t as { url: string }).url),
};

for (const backend of [sqlite, postgres]) {
  const run = backend === postgres && !pgBin ? describe.skip : describe;
  run(`ledger store on ${backend.name}`, () => {
    const open = async (target = backend.target()) => {
      const store = createSqlLedgerStore(target, { busyTimeoutMs: 50 });
      await store.ready();
      return { store, target };
    };

    test("migrations create the tables once and record their version", async () => {
      const { store, target } = await open();
      await store.close();
      const again = createSqlLedgerStore(target);
      await again.ready();
      await again.close();
      const db = backend.raw(target);
      const versions = await db`SELECT version FROM usage_migrations ORDER BY version`;
      expect(versions.map((r: { version: unknown }) => Number(r.version))).toEqual([LATEST_SCHEMA_VERSION]);
      for (const table of ["usage_requests", "usage_hourly", "usage_daily"]) {
        expect(Number((await db.unsafe(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)).toBe(0);
      }
      await db.close();
    });

    test("two gateways migrating one fresh database at once take turns", async () => {
      const target = backend.target();
      // Each on its own thread, as two processes would be (on one thread, SQLite's lock wait would block the holder).
      const stores = [createWorkerLedgerStore(target, { busyTimeoutMs: 5000 }), createWorkerLedgerStore(target, { busyTimeoutMs: 5000 })];
      await Promise.all(stores.map((s) => s.ready()));
      await Promise.all(stores.map((s, i) => s.insertBatch([usageRow({ requestId: `from-${i}` })])));
      for (const s of stores) await s.close();
      const db = backend.raw(target);
      expect(Number((await db`SELECT COUNT(*) AS n FROM usage_migrations`)[0].n)).toBe(1);
      expect(Number((await db`SELECT COUNT(*) AS n FROM usage_requests`)[0].n)).toBe(2);
      await db.close();
    });

    test("a database migrated by a newer gateway is refused, not written", async () => {
      const { store, target } = await open();
      await store.close();
      const db = backend.raw(target);
      await db`INSERT INTO usage_migrations (version, name, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 1}, ${"future"}, ${0})`;
      await db.close();
      const newer = createSqlLedgerStore(target);
      const err = await newer.insertBatch([usageRow()]).catch((e) => e);
      expect(err).toBeInstanceOf(LedgerSchemaError);
      expect(String(err.message)).toContain(`schema version ${LATEST_SCHEMA_VERSION + 1}`);
      await newer.close();
    });

    test("a reader creates and migrates nothing: no database, or one without the tables, is LedgerMissingError", async () => {
      const target = backend.target();
      const reader = createSqlLedgerStore(target, { readOnly: true });
      const err = await reader.query({ since: 0, until: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(LedgerMissingError);
      expect(err.code).toBe("LEDGER_MISSING");
      await reader.close();
      if (target.kind === "sqlite") {
        expect(existsSync(target.path)).toBe(false);
        // A file that exists but holds no ledger (created by hand, or by a gateway that failed at once).
        mkdirSync(dirname(target.path), { recursive: true });
        const db = backend.raw(target);
        await db`CREATE TABLE other (a INTEGER)`;
        await db.close();
        const again = createSqlLedgerStore(target, { readOnly: true });
        expect(await again.query({ since: 0, until: 1 }).catch((e) => e)).toBeInstanceOf(LedgerMissingError);
        await again.close();
      }
      const db = backend.raw(target);
      const tables =
        target.kind === "sqlite"
          ? await db`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'usage_%'`
          : await db`SELECT tablename FROM pg_tables WHERE tablename LIKE 'usage_%'`;
      expect(tables.length).toBe(0);
      await db.close();
    });

    test("a reader reads what a writer wrote while the writer is open, and writes nothing itself", async () => {
      const { store: writer, target } = await open();
      const t0 = Date.UTC(2026, 0, 15, 10, 30);
      await writer.insertBatch([usageRow({ time: t0, costUsd: 0.5 }), usageRow({ time: t0 + 1, costUsd: null, modelServed: "mystery" })]);
      const reader = createSqlLedgerStore(target, { readOnly: true });
      const report = await reader.query({ since: t0 - DAY_MS, until: t0 + DAY_MS, groupBy: "model" });
      expect(report.totals).toMatchObject({ requests: 2, costUsd: 0.5, unknownCostRequests: 1 });
      await writer.insertBatch([usageRow({ time: t0 + 2 })]);
      expect((await reader.query({ since: t0 - DAY_MS, until: t0 + DAY_MS })).totals.requests).toBe(3);
      expect(await reader.insertBatch([usageRow()]).catch((e) => e.message)).toContain("does not write");
      expect(await reader.prune({ rows: 0, rollups: 0 }).catch((e) => e.message)).toContain("does not write");
      await reader.close();
      await writer.close();
    });

    test("a reader refuses a database at another schema version, with the way out", async () => {
      const { store, target } = await open();
      await store.close();
      const db = backend.raw(target);
      await db`INSERT INTO usage_migrations (version, name, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 1}, ${"future"}, ${0})`;
      const newer = createSqlLedgerStore(target, { readOnly: true });
      const err = await newer.query({ since: 0, until: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(LedgerSchemaError);
      expect(err.message).toContain("upgrade the gateway");
      await newer.close();
      await db`DELETE FROM usage_migrations`;
      await db.close();
      const older = createSqlLedgerStore(target, { readOnly: true });
      const old = await older.query({ since: 0, until: 1 }).catch((e) => e);
      expect(old.code).toBe("LEDGER_SCHEMA_OLDER");
      expect(old.message).toContain("start the gateway once to migrate it");
      await older.close();
    });

    test("a reader on its own thread: the same answers, the same errors", async () => {
      const missing = createWorkerLedgerStore(backend.target(), { readOnly: true });
      expect((await missing.query({ since: 0, until: 1 }).catch((e) => e)).code).toBe("LEDGER_MISSING");
      await missing.close();
      const { store: writer, target } = await open();
      const t0 = Date.UTC(2026, 0, 15, 10, 30);
      await writer.insertBatch([usageRow({ time: t0 })]);
      const reader = createWorkerLedgerStore(target, { readOnly: true });
      expect((await reader.query({ since: t0 - DAY_MS, until: t0 + DAY_MS })).totals.requests).toBe(1);
      await reader.close();
      await writer.close();
    });

    test("a batch lands with its hourly and daily totals in step", async () => {
      const { store, target } = await open();
      const t0 = Date.UTC(2026, 0, 15, 10, 30);
      await store.insertBatch([
        usageRow({ time: t0, costUsd: 0.5 }),
        usageRow({ time: t0 + 1000, status: 502, errorType: "upstream_error", costUsd: 0, ttfbMs: null }),
        usageRow({ time: t0 + HOUR_MS, modelServed: "unknown-x", costUsd: null }),
      ]);
      await store.insertBatch([usageRow({ time: t0 + 2000, costUsd: 0.25 })]);
      const db = backend.raw(target);
      const hourly = await db`SELECT bucket, model, requests, successes, errors, cost_usd, unknown_cost_requests, ttfb_count, last_ts FROM usage_hourly ORDER BY bucket, model`;
      expect(hourly.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "string" && k !== "model" ? Number(v) : v])))).toEqual([
        { bucket: Date.UTC(2026, 0, 15, 10), model: "claude-sonnet-4-20250514", requests: 3, successes: 2, errors: 1, cost_usd: 0.75, unknown_cost_requests: 0, ttfb_count: 2, last_ts: t0 + 2000 },
        { bucket: Date.UTC(2026, 0, 15, 11), model: "unknown-x", requests: 1, successes: 1, errors: 0, cost_usd: 0, unknown_cost_requests: 1, ttfb_count: 1, last_ts: t0 + HOUR_MS },
      ]);
      const daily = await db`SELECT bucket, SUM(requests) AS n FROM usage_daily GROUP BY bucket`;
      expect(daily.map((r: Record<string, unknown>) => [Number(r.bucket), Number(r.n)])).toEqual([[Date.UTC(2026, 0, 15), 4]]);
      expect(Number((await db`SELECT COUNT(*) AS n FROM usage_requests`)[0].n)).toBe(4);
      await db.close();
      await store.close();
    });

    test("reports flag unknown costs instead of counting them as zero", async () => {
      const { store } = await open();
      const t0 = Date.UTC(2026, 0, 15, 10, 30);
      await store.insertBatch([
        usageRow({ time: t0, modelServed: "known", costUsd: 1.5 }),
        usageRow({ time: t0, modelServed: "mystery", costUsd: null }),
        usageRow({ time: t0, modelServed: "mystery", costUsd: null, keyId: null }),
      ]);
      const report = await store.query({ since: t0 - DAY_MS, until: t0 + DAY_MS, groupBy: "model" });
      expect(report.rows.map((r) => [r.group, r.requests, r.costUsd, r.unknownCostRequests])).toEqual([
        ["known", 1, 1.5, 0],
        ["mystery", 2, null, 2],
      ]);
      expect(report.totals).toMatchObject({ requests: 3, costUsd: 1.5, unknownCostRequests: 2 });
      const byKey = await store.query({ since: t0 - DAY_MS, until: t0 + DAY_MS, groupBy: "key" });
      expect(byKey.rows.map((r) => r.group)).toEqual(["key-a", null]);
      await store.close();
    });

    test("any range, filter and grouping answers what the rows say (rows, hourly and daily totals combined)", async () => {
      const { store } = await open();
      const from = Date.UTC(2026, 0, 1, 7, 13);
      const to = from + 5 * DAY_MS;
      const rows = randomRows(7, 3000, from, to);
      for (let i = 0; i < rows.length; i += 400) await store.insertBatch(rows.slice(i, i + 400));
      const ranges: [number, number][] = [
        [from - DAY_MS, to + DAY_MS], // everything
        [Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 4)], // whole days
        [from + 17 * 60_000, from + 3 * DAY_MS + 5 * 60_000 + 17], // ragged ends
        [from + 5 * HOUR_MS + 1, from + 5 * HOUR_MS + 30 * 60_000], // inside one hour
        [Date.UTC(2026, 0, 3, 5), Date.UTC(2026, 0, 3, 9)], // whole hours in one day
        [from + DAY_MS, from + DAY_MS], // empty
      ];
      const filters: Partial<UsageQuery>[] = [{}, { keyId: "key-b" }, { accountId: "acct-2" }, { model: "gpt-4o" }, { keyId: "key-a", model: "mystery-model" }];
      for (const [since, until] of ranges) {
        for (const f of filters) {
          for (const groupBy of [undefined, ...USAGE_GROUPS]) {
            const q: UsageQuery = { since, until, ...f, ...(groupBy ? { groupBy } : {}) };
            expectSameReport(await store.query(q), expectedReport(rows, q));
          }
        }
      }
      await store.close();
    });

    test("pruning drops old request rows and keeps the totals; older ranges answer by the hour", async () => {
      const { store, target } = await open();
      const day = Date.UTC(2026, 0, 10);
      const rows = [
        usageRow({ time: day + 10 * HOUR_MS + 5 * 60_000, requestId: "old" }),
        usageRow({ time: day + 2 * DAY_MS + 60_000, requestId: "new" }),
      ];
      await store.insertBatch(rows);
      const cutoff = day + DAY_MS;
      expect(await store.prune({ rows: cutoff, rollups: day - DAY_MS })).toEqual({ rows: 1, hourly: 0, daily: 0 });
      const db = backend.raw(target);
      expect((await db`SELECT request_id FROM usage_requests`).map((r: { request_id: string }) => r.request_id)).toEqual(["new"]);
      await db.close();
      // 10:30 lies in pruned rows: the answer widens to 10:00 and comes from the hourly totals.
      const report = await store.query({ since: day + 10 * HOUR_MS + 30 * 60_000, until: day + 3 * DAY_MS }, { rowsFrom: cutoff });
      expect(report.since).toBe(day + 10 * HOUR_MS);
      expect(report.totals.requests).toBe(2);
      expect(await store.prune({ rows: cutoff, rollups: day + DAY_MS })).toEqual({ rows: 0, hourly: 1, daily: 1 });
      await store.close();
    });

    test("values a database would refuse (NUL in text, very long names, non-finite numbers) are made safe, not fatal to the batch", async () => {
      const { store, target } = await open();
      const t0 = Date.UTC(2026, 0, 15, 10);
      await store.insertBatch([
        usageRow({ time: t0, modelRequested: "evil\u0000model", modelServed: "x".repeat(5000), totalMs: Number.NaN, ttfbMs: Number.POSITIVE_INFINITY, costUsd: Number.NaN }),
        usageRow({ time: t0 + 1 }),
      ]);
      const db = backend.raw(target);
      const rows = await db`SELECT model_requested, model_served, total_ms, ttfb_ms, cost_usd FROM usage_requests ORDER BY ts`;
      expect(rows[0]).toEqual({ model_requested: "evilmodel", model_served: "x".repeat(256), total_ms: 0, ttfb_ms: null, cost_usd: null });
      expect(Number((await db`SELECT SUM(requests) AS n FROM usage_hourly WHERE model = ${"x".repeat(256)}`)[0].n)).toBe(1);
      await db.close();
      await store.close();
    });

    test("large batches are split under the parameter limits", async () => {
      const { store } = await open();
      const from = Date.UTC(2026, 0, 1);
      // Distinct models make as many rollup increments as rows.
      const rows = randomRows(3, 2500, from, from + DAY_MS).map((r, i) => ({ ...r, modelServed: `m-${i}` }));
      await store.insertBatch(rows);
      const report = await store.query({ since: from, until: from + DAY_MS });
      expect(report.totals.requests).toBe(2500);
      await store.close();
    });
  });
}
