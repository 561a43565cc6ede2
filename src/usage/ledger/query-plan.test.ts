import { expect, test } from "bun:test";
import { describeDbError, redact } from "./describe-db-error.ts";
import { planSegments } from "./query-plan.ts";

const H = 3_600_000;
const D = 86_400_000;
const t = (day: number, hour: number, min = 0) => Date.UTC(2026, 0, day, hour, min);

test("a month: request rows for the ragged ends, hourly totals around whole days, daily totals for the days", () => {
  const { segments } = planSegments(t(1, 9, 30), t(31, 14, 10), { useDaily: true });
  expect(segments).toEqual([
    { source: "rows", from: t(1, 9, 30), to: t(1, 10) },
    { source: "hourly", from: t(1, 10), to: t(2, 0) },
    { source: "daily", from: t(2, 0), to: t(31, 0) },
    { source: "hourly", from: t(31, 0), to: t(31, 14) },
    { source: "rows", from: t(31, 14), to: t(31, 14, 10) },
  ]);
});

test("grouping by hour never uses daily totals; a range inside one hour is rows only; an empty range is nothing", () => {
  expect(planSegments(t(1, 0), t(3, 0), { useDaily: false }).segments).toEqual([{ source: "hourly", from: t(1, 0), to: t(3, 0) }]);
  expect(planSegments(t(1, 5, 1), t(1, 5, 59), { useDaily: true }).segments).toEqual([{ source: "rows", from: t(1, 5, 1), to: t(1, 5, 59) }]);
  expect(planSegments(t(1, 5), t(1, 5), { useDaily: true }).segments).toEqual([]);
});

test("a start before the kept request rows moves back to its hour", () => {
  const r = planSegments(t(1, 9, 30), t(1, 12), { useDaily: true, rowsFrom: t(1, 11) });
  expect(r.since).toBe(t(1, 9));
  expect(r.segments).toEqual([{ source: "hourly", from: t(1, 9), to: t(1, 12) }]);
  expect(H * 24).toBe(D);
});

test("database errors in a few words, with the driver's code and never a password", () => {
  expect(describeDbError(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY", errno: 5 }))).toBe("database locked (SQLITE_BUSY)");
  expect(describeDbError(Object.assign(new Error("x"), { code: "ERR_POSTGRES_SERVER_ERROR", errno: "25006" }))).toBe("database is read-only (ERR_POSTGRES_SERVER_ERROR 25006)");
  expect(describeDbError(new Error("failed to reach postgres://gw:hunter2@db:5432/usage\nmore"))).toBe("failed to reach postgres://gw:***@db:5432/usage");
  expect(redact("postgresql://u:p@h/db and postgres://h/db")).toBe("postgresql://u:***@h/db and postgres://h/db");
});
