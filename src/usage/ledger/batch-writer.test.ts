import { describe, expect, test } from "bun:test";
import { manualTimers } from "./__fixtures__/manual-timers.ts";
import { recordingLogger } from "./__fixtures__/recording-logger.ts";
import { usageRow } from "./__fixtures__/rows.ts";
import { createBatchWriter, type BatchWriterOptions } from "./batch-writer.ts";
import type { UsageRow } from "./usage-row.ts";


/** A database stand-in: writes succeed, fail with a given error, or hang until released. */
function fakeStore() {
  const written: UsageRow[][] = [];
  let failWith: unknown;
  let hang: { release: () => void; fail: (e: unknown) => void } | undefined;
  let hanging = false;
  return {
    written,
    rows: () => written.flat(),
    fail(err: unknown) {
      failWith = err;
    },
    heal() {
      failWith = undefined;
    },
    hangNext() {
      hanging = true;
    },
    release() {
      hang?.release();
    },
    write: (rows: UsageRow[]): Promise<void> => {
      if (failWith) return Promise.reject(failWith);
      if (hanging) {
        hanging = false;
        return new Promise<void>((resolve, reject) => {
          hang = {
            release: () => {
              written.push(rows);
              resolve();
            },
            fail: reject,
          };
        });
      }
      written.push(rows);
      return Promise.resolve();
    },
  };
}

const busy = Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY", errno: 5 });
const row = (i: number) => usageRow({ requestId: `r${i}`, time: 1_000_000 + i });

function setup(over: Partial<BatchWriterOptions> = {}) {
  const t = manualTimers();
  const store = fakeStore();
  const { logger, lines } = recordingLogger();
  const writer = createBatchWriter({
    write: store.write,
    logger,
    clock: t.clock,
    timers: t.timers,
    flushIntervalMs: 1000,
    batchSize: 10,
    bufferCap: 50,
    slowAfterMs: 5000,
    maxRetryDelayMs: 8000,
    ...over,
  });
  return { t, store, writer, lines };
}

describe("batch writer", () => {
  test("record() only buffers; rows are written after the interval, or at once when a batch is full", async () => {
    const { t, store, writer } = setup();
    for (let i = 0; i < 3; i++) writer.record(row(i));
    await t.settle();
    expect(store.written).toHaveLength(0);
    expect(writer.health()).toMatchObject({ state: "ok", buffered: 3, written: 0 });
    await t.advance(999);
    expect(store.written).toHaveLength(0);
    await t.advance(1);
    expect(store.written.map((b) => b.length)).toEqual([3]);

    for (let i = 3; i < 13; i++) writer.record(row(i));
    expect(t.nextDue()).toBe(0);
    await t.advance(0);
    expect(store.written.map((b) => b.length)).toEqual([3, 10]);
    expect(store.rows().map((r) => r.requestId)).toEqual(Array.from({ length: 13 }, (_, i) => `r${i}`));
    expect(writer.health()).toMatchObject({ state: "ok", buffered: 0, written: 13, dropped: 0 });
  });

  test("a failing database: rows kept in order, degraded with the reason, logged once, retries back off, recovery logged once", async () => {
    const { t, store, writer, lines } = setup();
    store.fail(busy);
    for (let i = 0; i < 5; i++) writer.record(row(i));
    await t.advance(1000);
    expect(writer.health()).toMatchObject({ state: "degraded", reason: "database locked (SQLITE_BUSY)", buffered: 5, since: t.clock() });
    // Backoff: 1 s, 2 s, 4 s, then capped at 8 s.
    const gaps: number[] = [];
    for (let i = 0; i < 5; i++) {
      gaps.push(t.nextDue()!);
      await t.advance(t.nextDue()!);
      writer.record(row(5 + i));
    }
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(store.written).toHaveLength(0);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ reason: "database locked (SQLITE_BUSY)" });

    store.heal();
    await t.advance(t.nextDue()!);
    expect(writer.health()).toMatchObject({ state: "ok", buffered: 0, written: 10 });
    expect(writer.health().reason).toBeUndefined();
    expect(store.rows().map((r) => r.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(lines.map((l) => l.msg)).toEqual([
      "usage ledger: cannot write to its database; rows are kept in memory and written when it recovers",
      "usage ledger: writing again",
    ]);
  });

  test("a full buffer drops the newest rows and counts them; the oldest are written once the database is back", async () => {
    const { t, store, writer, lines } = setup();
    store.fail(busy);
    for (let i = 0; i < 70; i++) writer.record(row(i));
    await t.advance(1000);
    expect(writer.health()).toMatchObject({ state: "degraded", buffered: 50, dropped: 20 });
    expect(writer.health().reason).toContain("buffer full (50 rows)");
    store.fail(Object.assign(new Error("disk full"), { code: "SQLITE_FULL" }));
    await t.advance(t.nextDue()!);
    writer.record(row(99));
    expect(writer.health().reason).toBe("database or disk full (SQLITE_FULL); buffer full (50 rows), new rows are dropped");
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);

    store.heal();
    await t.advance(t.nextDue()!);
    expect(store.rows().map((r) => r.requestId)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    expect(writer.health()).toMatchObject({ state: "ok", buffered: 0, dropped: 21, written: 50 });
    expect(lines.at(-1)).toMatchObject({ msg: "usage ledger: writing again", fields: { dropped: 21 } });
  });

  test("a slow database: degraded while a write hangs, record() still returns at once, rows in flight count against the cap", async () => {
    const { t, store, writer } = setup();
    store.hangNext();
    for (let i = 0; i < 10; i++) writer.record(row(i));
    await t.advance(0);
    await t.advance(5000);
    expect(writer.health()).toMatchObject({ state: "degraded", reason: "database slow: a write has not finished after 5 s", buffered: 10 });
    for (let i = 10; i < 60; i++) writer.record(row(i));
    expect(writer.health()).toMatchObject({ buffered: 50, dropped: 10 });
    store.release();
    await t.settle();
    await t.advance(0);
    expect(writer.health()).toMatchObject({ state: "ok", buffered: 0, written: 50 });
  });

  test("a write that throws synchronously is a failure like any other", async () => {
    const { t, writer } = setup({
      write: () => {
        throw new Error("boom");
      },
    });
    expect(() => writer.record(row(1))).not.toThrow();
    await t.advance(1000);
    expect(writer.health()).toMatchObject({ state: "degraded", reason: "boom", buffered: 1 });
  });

  test("close() writes everything waiting; rows recorded after it are dropped and counted", async () => {
    const { t, store, writer } = setup();
    for (let i = 0; i < 25; i++) writer.record(row(i));
    expect(await writer.close()).toEqual({ unwritten: 0 });
    expect(store.rows()).toHaveLength(25);
    writer.record(row(26));
    expect(writer.health()).toMatchObject({ dropped: 1, buffered: 0 });
    expect(t.nextDue()).toBeUndefined();
  });

  test("close() with the database down gives up at the first failure and says how many rows are lost", async () => {
    const { store, writer, lines } = setup();
    store.fail(busy);
    for (let i = 0; i < 4; i++) writer.record(row(i));
    expect(await writer.close()).toEqual({ unwritten: 4 });
    expect(lines.at(-1)).toMatchObject({ msg: "usage ledger: rows not written before shutdown", fields: { rows: 4 } });
  });

  test("close() waits at most its timeout for a hanging write", async () => {
    const { t, store, writer } = setup();
    store.hangNext();
    writer.record(row(1));
    await t.advance(1000);
    const closing = writer.close(2000);
    await t.advance(2000);
    expect(await closing).toEqual({ unwritten: 1 });
  });

  test("without traffic, a failure noted at start is probed until the database answers", async () => {
    let up = false;
    const { t, writer } = setup({ probe: () => (up ? Promise.resolve() : Promise.reject(busy)) });
    writer.noteFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ERR_POSTGRES_CONNECTION_REFUSED" }));
    expect(writer.health()).toMatchObject({ state: "degraded", reason: "database unreachable (ERR_POSTGRES_CONNECTION_REFUSED)" });
    await t.advance(t.nextDue()!);
    expect(writer.health()).toMatchObject({ state: "degraded", reason: "database locked (SQLITE_BUSY)" });
    up = true;
    await t.advance(t.nextDue()!);
    expect(writer.health().state).toBe("ok");
    expect(t.nextDue()).toBeUndefined();
  });

  test("a batch refused for its data is written row by row: only the refused row is dropped, logged once", async () => {
    const written: string[] = [];
    const refused = Object.assign(new Error("NOT NULL constraint failed: usage_requests.total_ms"), { code: "SQLITE_CONSTRAINT_NOTNULL" });
    const { t, writer, lines } = setup({
      write: async (rows) => {
        if (rows.some((r) => r.requestId.startsWith("bad"))) throw refused;
        written.push(...rows.map((r) => r.requestId));
      },
      isDataError: (err) => (err as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT") ?? false,
    });
    for (const id of ["r1", "bad1", "r2", "bad2", "r3"]) writer.record(usageRow({ requestId: id }));
    await t.advance(1000);
    expect(written).toEqual(["r1", "r2", "r3"]);
    expect(writer.health()).toMatchObject({ state: "ok", buffered: 0, written: 3, dropped: 2 });
    expect(lines.filter((l) => l.level === "warn")).toEqual([
      { level: "warn", msg: "usage ledger: the database refused a row; it is dropped", fields: { reason: "NOT NULL constraint failed: usage_requests.total_ms (SQLITE_CONSTRAINT_NOTNULL)", request_id: "bad1" } },
    ]);
  });

  test("flush() writes now, even inside a retry delay", async () => {
    const { t, store, writer } = setup();
    store.fail(busy);
    writer.record(row(1));
    await t.advance(1000);
    store.heal();
    expect(await writer.flush()).toBe(true);
    expect(store.rows()).toHaveLength(1);
  });
});
