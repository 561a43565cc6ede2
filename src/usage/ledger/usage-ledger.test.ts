import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL, spawnSync } from "bun";
import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPostgresBin, startPostgres, type PostgresServer } from "../../../test/support/postgres-server.ts";
import { expectedReport, expectSameReport } from "./__fixtures__/expected-report.ts";
import { recordingLogger } from "./__fixtures__/recording-logger.ts";
import { randomRows, usageRow } from "./__fixtures__/rows.ts";
import { until } from "./__fixtures__/until.ts";
import { DAY_MS } from "./rollup.ts";
import { monthStartOf } from "./spend-tracker.ts";
import type { LedgerTarget } from "./sql-store.ts";
import { createUsageLedger, type LedgerSettings, type UsageLedger } from "./usage-ledger.ts";
import { createWorkerLedgerStore } from "./worker-store.ts";

/**
 * The ledger as the gateway runs it (store on its worker thread) against real databases, healthy and failing:
 * locked, slow, read-only, deleted, unopenable, server stopped. Writes are forced with flush() rather than waited
 * for, so nothing here depends on time.
 */

const settings: LedgerSettings = { flushIntervalMs: 60_000, batchSize: 100, bufferCap: 10_000, retentionDays: 30, rollupRetentionDays: 400, slowAfterMs: 10_000 };

const tmp = mkdtempSync(join(tmpdir(), "ledger-"));
let n = 0;
const sqlitePath = () => join(tmp, `case-${++n}`, "usage.db");
const ledgers: UsageLedger[] = [];
function open(target: LedgerTarget, over: Partial<LedgerSettings> = {}) {
  const { logger, lines } = recordingLogger();
  const store = createWorkerLedgerStore(target, { busyTimeoutMs: 20, onNotice: (m) => logger.log("warn", m) });
  const ledger = createUsageLedger({ store, settings: { ...settings, ...over }, logger });
  ledgers.push(ledger);
  return { ledger, lines };
}
const recent = (count: number, seed: number) => {
  const now = Date.now();
  return randomRows(seed, count, now - 2 * DAY_MS, now - 1000);
};
async function countRows(target: LedgerTarget): Promise<number> {
  const db = target.kind === "sqlite" ? new SQL({ adapter: "sqlite", filename: target.path }) : new SQL(target.url);
  try {
    return Number((await db`SELECT COUNT(*) AS n FROM usage_requests`)[0].n);
  } finally {
    await db.close();
  }
}

let pg: PostgresServer | undefined;
const pgBin = findPostgresBin();
if (!pgBin) console.log("usage-ledger.test: PostgreSQL binaries not found under /usr/lib/postgresql: the PostgreSQL cases are skipped");

beforeAll(async () => {
  if (pgBin) pg = await startPostgres(pgBin);
});
afterAll(async () => {
  for (const l of ledgers) await l.close(1000);
  await pg?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe("usage ledger on SQLite", () => {
  test("recorded rows reach a WAL-mode file and answer queries; a restart reads the spend before it from them", async () => {
    const target: LedgerTarget = { kind: "sqlite", path: sqlitePath() };
    const { ledger } = open(target);
    const rows = recent(750, 11);
    for (const r of rows) ledger.record(r);
    expect(ledger.health()).toMatchObject({ state: "ok", buffered: 750 });
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", buffered: 0, written: 750, dropped: 0 });
    const q = { since: Date.now() - 3 * DAY_MS, until: Date.now(), groupBy: "key" as const };
    expectSameReport(await ledger.query(q), expectedReport(rows, q));
    const file = new Database(target.path, { readonly: true });
    expect(file.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    file.close();
    await ledger.close();

    const month = monthStartOf(Date.now());
    const monthSpend = rows.filter((r) => r.keyId === "key-a" && r.time >= month).reduce((s, r) => s + (r.costUsd ?? 0), 0);
    const again = open(target).ledger;
    await until(() => Math.abs(again.spendOf("key", "key-a").monthUsd - monthSpend) < 1e-9, "spend before the start read from the database");
    again.record(usageRow({ time: Date.now(), keyId: "key-a", costUsd: 1 }));
    expect(again.spendOf("key", "key-a").monthUsd).toBeCloseTo(monthSpend + 1, 9);
  });

  test("locked by another writer: degraded with the reason, resumes when the lock is released", async () => {
    const target: LedgerTarget = { kind: "sqlite", path: sqlitePath() };
    const { ledger, lines } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    const holder = new Database(target.path);
    // The ledger's own start-up work (retention, spend figures) may hold the lock for a moment.
    holder.run("PRAGMA busy_timeout = 5000");
    holder.run("BEGIN IMMEDIATE");
    for (let i = 0; i < 5; i++) ledger.record(usageRow({ time: Date.now(), requestId: `r${i}` }));
    expect(await ledger.flush()).toBe(false);
    expect(ledger.health()).toMatchObject({ state: "degraded", buffered: 5 });
    expect(ledger.health().reason).toStartWith("database locked (SQLITE_BUSY");
    expect(await ledger.flush()).toBe(false);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    holder.run("COMMIT");
    holder.close();
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", buffered: 0, written: 6 });
    expect(await countRows(target)).toBe(6);
  });

  test("slow (a lock held longer than a write should take): degraded as slow, then written when it frees", async () => {
    const target: LedgerTarget = { kind: "sqlite", path: sqlitePath() };
    const { logger } = recordingLogger();
    // The worker waits up to 10 s for the lock here, far past the 150 ms after which a write counts as slow.
    const store = createWorkerLedgerStore(target, { busyTimeoutMs: 10_000 });
    const ledger = createUsageLedger({ store, settings: { ...settings, slowAfterMs: 150 }, logger });
    ledgers.push(ledger);
    await ledger.flush();
    await until(async () => (await ledger.query({ since: 0, until: 1 })).totals.requests === 0, "store ready");
    const holder = new Database(target.path);
    // The ledger's own start-up work (retention, spend figures) may hold the lock for a moment.
    holder.run("PRAGMA busy_timeout = 5000");
    holder.run("BEGIN IMMEDIATE");
    ledger.record(usageRow({ time: Date.now() }));
    const flushing = ledger.flush();
    await until(() => ledger.health().reason?.startsWith("database slow") ?? false, "slow write noticed");
    expect(ledger.health()).toMatchObject({ state: "degraded", buffered: 1 });
    holder.run("COMMIT");
    holder.close();
    expect(await flushing).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", written: 1 });
  });

  test("file made read-only (immutable) and writable again", async () => {
    const target: LedgerTarget = { kind: "sqlite", path: sqlitePath() };
    const { ledger } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    const files = [target.path, `${target.path}-wal`];
    if (spawnSync(["chattr", "+i", ...files]).exitCode !== 0) {
      console.log("usage-ledger.test: chattr +i is not available on this file system: the read-only case is skipped");
      return;
    }
    try {
      ledger.record(usageRow({ time: Date.now(), requestId: "r2" }));
      expect(await ledger.flush()).toBe(false);
      expect(ledger.health().state).toBe("degraded");
      expect(ledger.health().reason).toMatch(/^(disk I\/O error|database file is not writable)/);
    } finally {
      spawnSync(["chattr", "-i", ...files]);
    }
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", written: 2 });
    expect(await countRows(target)).toBe(2);
  });

  test("file deleted under the running ledger: a new one is made, with a log line; nothing is written into the void", async () => {
    const target: LedgerTarget = { kind: "sqlite", path: sqlitePath() };
    const { ledger, lines } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    for (const f of [target.path, `${target.path}-wal`, `${target.path}-shm`]) rmSync(f, { force: true });
    ledger.record(usageRow({ time: Date.now(), requestId: "after" }));
    expect(await ledger.flush()).toBe(true);
    expect(await countRows(target)).toBe(1);
    await until(() => lines.some((l) => l.msg.includes("was missing: a new one is created")), "notice logged");
  });

  test("a row the database refuses (a trigger here) is dropped alone; the rest of its batch is written", async () => {
    const target: LedgerTarget = { kind: "sqlite", path: sqlitePath() };
    const { ledger, lines } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    const db = new Database(target.path);
    db.run("PRAGMA busy_timeout = 10000"); // the worker may still be finishing its last write
    db.run("CREATE TRIGGER refuse BEFORE INSERT ON usage_requests WHEN NEW.request_id LIKE 'bad%' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    db.close();
    for (const id of ["a", "bad", "b"]) ledger.record(usageRow({ time: Date.now(), requestId: id }));
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", written: 3, dropped: 1 });
    expect(await countRows(target)).toBe(3);
    expect(lines.find((l) => l.level === "warn")?.fields).toMatchObject({ request_id: "bad" });
  });

  test("cannot be opened at all: degraded from the start, requests still recorded, written once it can be", async () => {
    const dir = join(tmp, `case-${++n}`);
    const blocker = join(dir, "not-a-folder");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(blocker, "");
    const target: LedgerTarget = { kind: "sqlite", path: join(blocker, "usage.db") };
    const { ledger, lines } = open(target);
    await until(() => ledger.health().state === "degraded", "start-up check failed");
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    for (let i = 0; i < 3; i++) ledger.record(usageRow({ time: Date.now(), requestId: `r${i}` }));
    expect(ledger.health().buffered).toBe(3);
    expect(await ledger.flush()).toBe(false);
    rmSync(blocker);
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", written: 3 });
    expect(lines.at(-1)?.msg).toBe("usage ledger: writing again");
  });
});

const pgDescribe = pgBin ? describe : describe.skip;
pgDescribe("usage ledger on PostgreSQL", () => {
  let dbN = 0;
  const pgTarget = (): LedgerTarget => {
    const name = `ledger_l${++dbN}`;
    pg!.psql(`CREATE DATABASE ${name} STRATEGY FILE_COPY`);
    return { kind: "postgres", url: pg!.url.replace(/\/postgres$/, `/${name}`) };
  };

  test("recorded rows answer queries like on SQLite", async () => {
    const target = pgTarget();
    const { ledger } = open(target);
    const rows = recent(500, 12);
    for (const r of rows) ledger.record(r);
    expect(await ledger.flush()).toBe(true);
    const q = { since: Date.now() - 3 * DAY_MS, until: Date.now(), groupBy: "model" as const };
    expectSameReport(await ledger.query(q), expectedReport(rows, q));
  });

  test("server stopped: degraded, rows kept; server back: all written", async () => {
    const target = pgTarget();
    const { ledger, lines } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    await pg!.stop();
    try {
      for (let i = 0; i < 4; i++) ledger.record(usageRow({ time: Date.now(), requestId: `r${i}` }));
      expect(await ledger.flush()).toBe(false);
      expect(ledger.health()).toMatchObject({ state: "degraded", buffered: 4 });
      expect(ledger.health().reason).toMatch(/^database (unreachable|shutting down)/);
      expect(ledger.health().reason).not.toContain("postgres://");
    } finally {
      await pg!.start();
    }
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", buffered: 0, written: 5 });
    expect(await countRows(target)).toBe(5);
    expect(lines.filter((l) => l.level !== "debug").map((l) => l.msg)).toEqual([
      "usage ledger: cannot write to its database; rows are kept in memory and written when it recovers",
      "usage ledger: writing again",
    ]);
  });

  test("database read-only: degraded with the reason; writable again: resumes", async () => {
    const target = pgTarget();
    const { ledger } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    pg!.psql("ALTER SYSTEM SET default_transaction_read_only = on");
    pg!.psql("SELECT pg_reload_conf()");
    // Sessions take the reloaded setting at their next command, a moment later: record until a write is refused.
    let recorded = 1;
    try {
      await until(async () => {
        ledger.record(usageRow({ time: Date.now(), requestId: `r${++recorded}` }));
        return !(await ledger.flush());
      }, "a write refused");
      expect(ledger.health().reason).toStartWith("database is read-only");
    } finally {
      pg!.psql("ALTER SYSTEM RESET default_transaction_read_only");
      pg!.psql("SELECT pg_reload_conf()");
    }
    await until(() => ledger.flush(), "writable again");
    expect(ledger.health().state).toBe("ok");
    expect(await countRows(target)).toBe(recorded);
  });

  test("a row the database refuses (a check constraint here) is dropped alone; the rest of its batch is written", async () => {
    const target = pgTarget();
    const { ledger } = open(target);
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    const db = new SQL((target as { url: string }).url);
    await db`ALTER TABLE usage_requests ADD CONSTRAINT refuse CHECK (request_id NOT LIKE 'bad%')`;
    await db.close();
    for (const id of ["a", "bad", "b"]) ledger.record(usageRow({ time: Date.now(), requestId: id }));
    expect(await ledger.flush()).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", written: 3, dropped: 1 });
    expect(await countRows(target)).toBe(3);
  });

  test("slow (a table lock held by another session): degraded as slow, written once it is released", async () => {
    const target = pgTarget();
    const { ledger } = open(target, { slowAfterMs: 150 });
    ledger.record(usageRow({ time: Date.now() }));
    expect(await ledger.flush()).toBe(true);
    const other = new SQL((target as { url: string }).url);
    const conn = await other.reserve();
    await conn`BEGIN`;
    await conn`LOCK TABLE usage_requests IN ACCESS EXCLUSIVE MODE`;
    ledger.record(usageRow({ time: Date.now(), requestId: "r2" }));
    const flushing = ledger.flush();
    await until(() => ledger.health().reason?.startsWith("database slow") ?? false, "slow write noticed");
    await conn`COMMIT`;
    conn.release();
    await other.close();
    expect(await flushing).toBe(true);
    expect(ledger.health()).toMatchObject({ state: "ok", written: 2 });
  });
});
