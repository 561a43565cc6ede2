import { SQL } from "bun";
import { Database, type Statement } from "bun:sqlite";
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, MIGRATIONS_TABLE, type SqlDialect } from "./migrations.ts";
import { planSegments, type SegmentSource } from "./query-plan.ts";
import { DAY_MS, HOUR_MS, ROLLUP_SUMS, rollupIncrements, type RollupRow } from "./rollup.ts";
import { addSums, emptySums, reportOf, type UsageQuery, type UsageReport, type UsageSums } from "./usage-report.ts";
import { packedIds, packedParams, packRows, ROW_COLUMNS, type PackedRows, type UsageRow } from "./usage-row.ts";

/** Where the ledger lives: a SQLite file, or a PostgreSQL database by URL. */
export type LedgerTarget = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export interface PruneResult {
  rows: number;
  hourly: number;
  daily: number;
}

/** The ledger's database, whatever it is and wherever it runs (this thread, or a worker: worker-store.ts). */
export interface LedgerStore {
  /** Connects and applies migrations when not done yet, or again after a failure; rejects with the database's error. */
  ready(): Promise<void>;
  /** The rows and their hourly and daily totals, in one transaction: all or nothing. */
  insertBatch(rows: readonly UsageRow[]): Promise<void>;
  /** `rowsFrom`: request rows before it are gone (retention); see query-plan.ts. */
  query(q: UsageQuery, opts?: { rowsFrom?: number }): Promise<UsageReport>;
  /** Deletes request rows before `rows` and hourly/daily totals before `rollups` (epoch ms). */
  prune(before: { rows: number; rollups: number }): Promise<PruneResult>;
  close(): Promise<void>;
}

export interface SqlStoreOptions {
  /** SQLite: how long a write waits for another writer's lock before failing as "locked". */
  busyTimeoutMs?: number;
  /** Something worth one log line happened that is not a failure (a missing database file was created anew). */
  onNotice?: (message: string) => void;
  /**
   * A reader (the `usage` command, the admin endpoint while no ledger writes in this process): nothing is created
   * or migrated, SQLite opens the file read-only (WAL lets it read while a gateway writes), PostgreSQL sessions are
   * read-only. A database without the ledger's tables fails with LedgerMissingError; one at an older schema
   * version than this build's with LedgerSchemaError (the gateway migrates it when it starts).
   */
  readOnly?: boolean;
  /** PostgreSQL: seconds to wait for a connection (default 10). */
  connectionTimeoutS?: number;
}

/** Thrown when the database was migrated by a newer gateway: its rows may not mean what this build thinks. */
export class LedgerSchemaError extends Error {
  constructor(
    message: string,
    readonly code: "LEDGER_SCHEMA_NEWER" | "LEDGER_SCHEMA_OLDER" = "LEDGER_SCHEMA_NEWER",
  ) {
    super(message);
  }
}

/** A reader found no ledger: the SQLite file or the tables are not there (no gateway has recorded usage yet). */
export class LedgerMissingError extends Error {
  readonly code = "LEDGER_MISSING";
}

/** Rows per INSERT statement on PostgreSQL: 21 columns × 500 stays well under its 65,535 parameters. */
const CHUNK = 500;
/**
 * Rows per INSERT statement on SQLite, the largest of the statement sizes kept prepared (256, 128, … 1 rows): any
 * batch is a few executions of statements prepared once. 21 × 256 parameters stays under SQLite's 32,766.
 */
const SQLITE_CHUNK = 256;
/** Rows deleted per statement while pruning, so one prune never holds the write lock for long. */
const PRUNE_CHUNK = 5000;

const upsert = (table: string, dialect: SqlDialect) => {
  const larger = dialect === "postgres" ? "GREATEST" : "MAX";
  const sums = ROLLUP_SUMS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(", ");
  return `ON CONFLICT (bucket, key_id, account_id, model) DO UPDATE SET ${sums}, last_ts = ${larger}(${table}.last_ts, excluded.last_ts)`;
};

const ROW_SUMS = `COUNT(*) AS requests,
  SUM(CASE WHEN status < 400 THEN 1 ELSE 0 END) AS successes,
  SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
  SUM(COALESCE(input_tokens, 0)) AS input_tokens,
  SUM(COALESCE(output_tokens, 0)) AS output_tokens,
  SUM(COALESCE(cache_read_tokens, 0)) AS cache_read_tokens,
  SUM(COALESCE(cache_write_tokens, 0)) AS cache_write_tokens,
  SUM(COALESCE(reasoning_tokens, 0)) AS reasoning_tokens,
  SUM(COALESCE(cost_usd, 0)) AS cost_usd,
  SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unknown_cost_requests,
  SUM(total_ms) AS total_ms_sum,
  SUM(COALESCE(ttfb_ms, 0)) AS ttfb_ms_sum,
  COUNT(ttfb_ms) AS ttfb_count,
  MAX(ts) AS last_ts`;
const ROLLUP_SELECT = `${ROLLUP_SUMS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}, MAX(last_ts) AS last_ts`;
const ROW_MODEL = "COALESCE(model_served, model_requested, '')";

/** Per source: its table, time column, and the expressions that group and filter it. */
const SOURCES: Record<SegmentSource, { table: string; time: string; sums: string; key: string; account: string; model: string; day: string; hour: string }> = {
  rows: {
    table: "usage_requests", time: "ts", sums: ROW_SUMS, key: "COALESCE(key_id, '')", account: "COALESCE(account_id, '')",
    model: ROW_MODEL, day: `(ts / ${DAY_MS}) * ${DAY_MS}`, hour: `(ts / ${HOUR_MS}) * ${HOUR_MS}`,
  },
  hourly: {
    table: "usage_hourly", time: "bucket", sums: ROLLUP_SELECT, key: "key_id", account: "account_id", model: "model",
    day: `(bucket / ${DAY_MS}) * ${DAY_MS}`, hour: "bucket",
  },
  daily: {
    table: "usage_daily", time: "bucket", sums: ROLLUP_SELECT, key: "key_id", account: "account_id", model: "model",
    day: "bucket", hour: "bucket",
  },
};

/**
 * The ledger in a database through Bun's SQL client. SQLite: the file is created (with its folder) when missing,
 * in WAL mode (readers never wait for the writer; a commit survives the process being killed). Any failure drops
 * a SQLite connection and marks the schema unchecked, so the next call reopens and re-migrates: a file deleted or
 * made read-only and back, a database recreated empty, all heal on the next attempt. PostgreSQL's pool reconnects
 * by itself.
 */
export interface SqlLedgerStore extends LedgerStore {
  /** insertBatch for a packed batch (how rows reach the worker, usage-row.ts). */
  insertPacked(p: PackedRows): Promise<void>;
}

export function createSqlLedgerStore(target: LedgerTarget, opts: SqlStoreOptions = {}): SqlLedgerStore {
  const dialect: SqlDialect = target.kind;
  let sql: SQL | undefined;
  /**
   * SQLite: the connection batches are written through, bun:sqlite's own, with prepared statements. Inserting is the
   * ledger's steady cost (a row per request), and this costs about half the CPU of the same statements through
   * Bun.SQL (bench/README.md). Everything else (migrations, queries, pruning) goes through Bun.SQL like PostgreSQL's.
   * Operations never overlap (guarded below), so the two connections to the file never wait for each other.
   */
  let writer: { db: Database; statements: Map<number | string, Statement> } | undefined;
  let checked = false;
  let closed = false;
  const upsertHourly = upsert("usage_hourly", dialect);
  const upsertDaily = upsert("usage_daily", dialect);

  const drop = async () => {
    const old = sql;
    sql = undefined;
    checked = false;
    closeWriter();
    await old?.close({ timeout: 0 }).catch(() => {});
  };
  const closeWriter = () => {
    const w = writer;
    writer = undefined;
    try {
      w?.db.close();
    } catch {
      /* already unusable */
    }
  };
  const busyTimeout = Math.max(0, Math.floor(opts.busyTimeoutMs ?? 1000));

  const readOnly = opts.readOnly === true;

  const connect = async (): Promise<SQL> => {
    if (target.kind === "postgres") {
      return new SQL(target.url, {
        max: 4,
        idleTimeout: 60,
        connectionTimeout: opts.connectionTimeoutS ?? 10,
        ...(readOnly && { connection: { default_transaction_read_only: "on" } }),
      });
    }
    if (readOnly) {
      if (!existsSync(target.path)) throw new LedgerMissingError(`no usage database at ${target.path}`);
      return new SQL({ adapter: "sqlite", filename: target.path, readonly: true });
    }
    mkdirSync(dirname(target.path), { recursive: true });
    // SQLite opens a file it may not write read-only without a word, and such a connection would pass for healthy
    // until its first write: refuse it here instead (this also catches a file made immutable, even for root).
    if (existsSync(target.path)) accessSync(target.path, constants.W_OK);
    const db = new SQL({ adapter: "sqlite", filename: target.path, create: true, readwrite: true });
    try {
      await db.unsafe(`PRAGMA busy_timeout = ${busyTimeout}`);
      await db`PRAGMA journal_mode = WAL`;
      // With WAL, NORMAL loses nothing when the process dies; only a power cut can take the last commits.
      await db`PRAGMA synchronous = NORMAL`;
      const w = new Database(target.path, { readwrite: true, create: false });
      writer = { db: w, statements: new Map() };
      w.run(`PRAGMA busy_timeout = ${busyTimeout}`);
      w.run("PRAGMA synchronous = NORMAL");
    } catch (err) {
      closeWriter();
      await db.close({ timeout: 0 }).catch(() => {});
      throw err;
    }
    return db;
  };

  const ready = async (): Promise<SQL> => {
    if (closed) throw new Error("the usage ledger is closed");
    if (sql && target.kind === "sqlite" && !readOnly && !existsSync(target.path)) {
      await drop();
      opts.onNotice?.(`usage database file ${target.path} was missing: a new one is created`);
    }
    if (sql && checked) return sql;
    // Two gateways opening one fresh SQLite file at once: switching it to WAL takes an exclusive lock for which SQLite
    // does not always call its busy handler, so the loser gets SQLITE_BUSY at once. It waits its turn here instead,
    // within the same busy timeout.
    const giveUpAt = Date.now() + busyTimeout;
    for (;;) {
      try {
        sql ??= await connect();
        if (readOnly) await checkSchema(sql, dialect);
        else await migrate(sql, dialect);
        checked = true;
        return sql;
      } catch (err) {
        await failed();
        if (dialect !== "sqlite" || (err as { code?: unknown })?.code !== "SQLITE_BUSY" || Date.now() >= giveUpAt) throw err;
        await Bun.sleep(10 + Math.random() * 40);
      }
    }
  };

  const failed = async () => {
    if (dialect === "sqlite") await drop();
    else checked = false;
  };

  // One operation at a time: SQLite has one connection, and a query or prune run between the statements of an
  // insert's transaction would run inside it (and be rolled back with it).
  let tail: Promise<unknown> = Promise.resolve();
  const guarded = <R>(fn: (db: SQL) => Promise<R>): Promise<R> => {
    const run = async () => {
      const db = await ready();
      try {
        return await fn(db);
      } catch (err) {
        await failed();
        throw err;
      }
    };
    const result = tail.then(run, run);
    tail = result.catch(() => {});
    return result;
  };

  /**
   * Request rows go in as flat positional parameters of one statement text per chunk size: measured at about half
   * the CPU of the object helper (`${sql(rows)}`), which reads every row's keys.
   */
  const insertText = new Map<number, string>();
  const insertRows = (n: number) => {
    let text = insertText.get(n);
    if (!text) {
      let p = 0;
      const row = () => `(${ROW_COLUMNS.map(() => (dialect === "postgres" ? `$${++p}` : "?")).join(",")})`;
      text = `INSERT INTO usage_requests (${ROW_COLUMNS.map(([, c]) => c).join(", ")}) VALUES ${Array.from({ length: n }, row).join(",")}`;
      if (insertText.size < 64) insertText.set(n, text);
    }
    return text;
  };
  const ROLLUP_COLUMNS = ["bucket", "key_id", "account_id", "model", ...ROLLUP_SUMS, "last_ts"] as const;
  const upsertText = (table: string, tail: string) =>
    `INSERT INTO ${table} (${ROLLUP_COLUMNS.join(", ")}) VALUES (${ROLLUP_COLUMNS.map(() => "?").join(",")}) ${tail}`;

  /**
   * SQLite, on the writer connection: one IMMEDIATE transaction (the write lock up front, busy_timeout applies).
   * Parameters are bound from one array per statement (bun:sqlite takes an array of positional values).
   */
  const writeSqlite = (w: NonNullable<typeof writer>, p: PackedRows, ids: string[], hourly: RollupRow[], daily: RollupRow[]) => {
    const statement = (key: number | string, text: () => string) => {
      let st = w.statements.get(key);
      if (!st) w.statements.set(key, (st = w.db.prepare(text())));
      return st;
    };
    w.db
      .transaction(() => {
        let at = 0;
        for (let size = SQLITE_CHUNK; size >= 1; size >>= 1) {
          for (; p.count - at >= size; at += size) statement(size, () => insertRows(size)).run(packedParams(p, ids, at, size) as never);
        }
        const hourlyUpsert = statement("hourly", () => upsertText("usage_hourly", upsertHourly));
        for (const r of hourly) hourlyUpsert.run(ROLLUP_COLUMNS.map((c) => r[c]) as never);
        const dailyUpsert = statement("daily", () => upsertText("usage_daily", upsertDaily));
        for (const r of daily) dailyUpsert.run(ROLLUP_COLUMNS.map((c) => r[c]) as never);
      })
      .immediate();
  };

  const refuseWrites = () => Promise.reject(new Error("this usage ledger store is a reader: it does not write"));

  const writeBatch = (p: PackedRows): Promise<void> => {
    if (readOnly) return refuseWrites();
    if (p.count === 0) return Promise.resolve();
    const { hourly, daily } = rollupIncrements(p);
    const ids = packedIds(p);
    return guarded(async (db) => {
      if (writer) return writeSqlite(writer, p, ids, hourly, daily);
      await db.begin(async (tx) => {
        for (let i = 0; i < p.count; i += CHUNK) {
          const n = Math.min(CHUNK, p.count - i);
          await tx.unsafe(insertRows(n), packedParams(p, ids, i, n));
        }
        for (let i = 0; i < hourly.length; i += CHUNK) await tx`INSERT INTO usage_hourly ${tx(hourly.slice(i, i + CHUNK))} ${tx.unsafe(upsertHourly)}`;
        for (let i = 0; i < daily.length; i += CHUNK) await tx`INSERT INTO usage_daily ${tx(daily.slice(i, i + CHUNK))} ${tx.unsafe(upsertDaily)}`;
      });
    });
  };

  return {
    ready: () => guarded(async () => {}),

    // Totals are folded from the packed rows, as they are inserted (made safe by packRows).
    insertBatch: (rows) => writeBatch(packRows(rows)),
    insertPacked: (p) => writeBatch(p),

    query: (q, o = {}) =>
      guarded(async (db) => {
        const plan = planSegments(q.since, q.until, { useDaily: q.groupBy !== "hour", rowsFrom: o.rowsFrom });
        const groups = new Map<string | number, UsageSums>();
        for (const seg of plan.segments) {
          for (const r of await segmentQuery(db, seg.source, seg.from, seg.to, q)) {
            const k = groupKey(q, r.grp);
            let into = groups.get(k);
            if (!into) groups.set(k, (into = emptySums()));
            addSums(into, sumsOf(r));
          }
        }
        return reportOf(q, plan.since, groups);
      }),

    prune: (before) =>
      readOnly ? refuseWrites() : guarded(async (db) => {
        let rows = 0;
        for (;;) {
          const r = await db`DELETE FROM usage_requests WHERE id IN (SELECT id FROM usage_requests WHERE ts < ${before.rows} LIMIT ${PRUNE_CHUNK})`;
          rows += r.affectedRows ?? r.count;
          if ((r.affectedRows ?? r.count) < PRUNE_CHUNK) break;
        }
        const h = await db`DELETE FROM usage_hourly WHERE bucket < ${before.rollups}`;
        const d = await db`DELETE FROM usage_daily WHERE bucket < ${before.rollups}`;
        return { rows, hourly: h.affectedRows ?? h.count, daily: d.affectedRows ?? d.count };
      }),

    close: async () => {
      closed = true;
      const old = sql;
      sql = undefined;
      closeWriter();
      await old?.close({ timeout: 5 });
    },
  };
}

/** One transaction: the migrations table, a check that no newer gateway wrote here, then what is missing. */
async function migrate(db: SQL, dialect: SqlDialect): Promise<void> {
  // SQLite: IMMEDIATE takes the write lock up front, so two processes migrating take turns, and a connection that
  // SQLite silently opened read-only (the file was not writable at that moment) fails here rather than later.
  const body = async (tx: SQL) => {
    // Two gateways starting at once on one PostgreSQL database take turns here.
    if (dialect === "postgres") await tx.unsafe("SELECT pg_advisory_xact_lock(7366521901)");
    await tx.unsafe(MIGRATIONS_TABLE);
    const rows: { version: unknown }[] = await tx`SELECT version FROM usage_migrations`;
    const applied = new Set(rows.map((r) => Number(r.version)));
    const newest = Math.max(0, ...applied);
    if (newest > LATEST_SCHEMA_VERSION) {
      throw new LedgerSchemaError(
        `the usage database is at schema version ${newest}, newer than this gateway's ${LATEST_SCHEMA_VERSION}: upgrade the gateway`,
      );
    }
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const statement of m.statements[dialect]) await tx.unsafe(statement);
      await tx`INSERT INTO usage_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`;
    }
  };
  if (dialect === "sqlite") await db.begin("IMMEDIATE", body);
  else await db.begin(body);
}

/** A reader's check, in place of migrating: the ledger's tables are there, at the version this build reads. */
async function checkSchema(db: SQL, dialect: SqlDialect): Promise<void> {
  const table: { t: unknown }[] =
    dialect === "sqlite"
      ? await db`SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name = 'usage_migrations'`
      : await db`SELECT to_regclass('usage_migrations')::text AS t`;
  if (table.length === 0 || table[0]!.t === null) throw new LedgerMissingError("the usage database has no usage tables yet");
  const rows: { version: unknown }[] = await db`SELECT MAX(version) AS version FROM usage_migrations`;
  const version = Number(rows[0]?.version ?? 0);
  if (version > LATEST_SCHEMA_VERSION) {
    throw new LedgerSchemaError(`the usage database is at schema version ${version}, newer than this gateway's ${LATEST_SCHEMA_VERSION}: upgrade the gateway`);
  }
  if (version < LATEST_SCHEMA_VERSION) {
    throw new LedgerSchemaError(`the usage database is at schema version ${version}, older than this gateway's ${LATEST_SCHEMA_VERSION}: start the gateway once to migrate it`, "LEDGER_SCHEMA_OLDER");
  }
}

type SumsRow = Record<keyof Omit<RollupRow, "bucket" | "key_id" | "account_id" | "model">, unknown> & { grp: unknown };

function segmentQuery(db: SQL, source: SegmentSource, from: number, to: number, q: UsageQuery): Promise<SumsRow[]> {
  const s = SOURCES[source];
  const group = q.groupBy ? s[q.groupBy] : "''";
  const filters = [
    q.keyId !== undefined ? db`AND ${db.unsafe(s.key)} = ${q.keyId}` : db``,
    q.accountId !== undefined ? db`AND ${db.unsafe(s.account)} = ${q.accountId}` : db``,
    q.model !== undefined ? db`AND ${db.unsafe(s.model)} = ${q.model}` : db``,
  ];
  // Without a grouping the query is a plain aggregate (an aggregate over no rows answers one row of nulls).
  return db`SELECT ${db.unsafe(group)} AS grp, ${db.unsafe(s.sums)} FROM ${db.unsafe(s.table)}
    WHERE ${db.unsafe(s.time)} >= ${from} AND ${db.unsafe(s.time)} < ${to} ${filters}
    ${q.groupBy ? db.unsafe(`GROUP BY ${group}`) : db``}` as Promise<SumsRow[]>;
}

/** PostgreSQL returns BIGINT and NUMERIC sums as strings; every figure here fits a double. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function sumsOf(r: SumsRow): UsageSums {
  return {
    requests: num(r.requests),
    successes: num(r.successes),
    errors: num(r.errors),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    cacheReadTokens: num(r.cache_read_tokens),
    cacheWriteTokens: num(r.cache_write_tokens),
    reasoningTokens: num(r.reasoning_tokens),
    costUsd: num(r.cost_usd),
    unknownCostRequests: num(r.unknown_cost_requests),
    totalMsSum: num(r.total_ms_sum),
    ttfbMsSum: num(r.ttfb_ms_sum),
    ttfbCount: num(r.ttfb_count),
    lastUsed: r.last_ts === null || r.last_ts === undefined ? null : Number(r.last_ts),
  };
}

function groupKey(q: UsageQuery, grp: unknown): string | number {
  if (q.groupBy === "day" || q.groupBy === "hour") return Number(grp);
  return grp === null || grp === undefined ? "" : String(grp);
}
