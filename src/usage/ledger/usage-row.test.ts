import { expect, test } from "bun:test";
import { usageRow } from "./__fixtures__/rows.ts";
import { DAY_MS, HOUR_MS, rollupIncrements } from "./rollup.ts";
import { MAX_TEXT, packedIds, packedParams, packRows, ROW_COLUMNS } from "./usage-row.ts";

test("packed rows give back every column in ROW_COLUMNS order, nulls as null, stream as 0/1", () => {
  const rows = [
    usageRow({ requestId: "a" }),
    usageRow({ requestId: "b", keyId: null, accountId: null, provider: null, modelServed: null, upstreamDialect: null, stream: false, status: 404, errorType: "not_found", ttfbMs: null, inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null }),
  ];
  const p = packRows(rows);
  const params = packedParams(p, packedIds(p), 0, 2);
  const expected = rows.flatMap((r) => ROW_COLUMNS.map(([field]) => (field === "stream" ? (r.stream ? 1 : 0) : r[field])));
  expect(params).toEqual(expected);
  expect(packedParams(p, packedIds(p), 1, 1)).toEqual(expected.slice(ROW_COLUMNS.length));
  // The batch's texts are its distinct ones (request ids travel apart).
  expect(p.texts.length).toBeLessThan(10);
});

test("made safe once per distinct text: NUL removed, cut at MAX_TEXT; non-finite numbers null, or 0 where null is not allowed", () => {
  const long = "m".repeat(MAX_TEXT + 50);
  const p = packRows([usageRow({ requestId: "r\u00001", modelRequested: `x\u0000y`, modelServed: long, ttfbMs: Number.NaN, totalMs: Number.POSITIVE_INFINITY, costUsd: Number.NaN })]);
  const params = packedParams(p, packedIds(p), 0, 1);
  const at = (c: string) => params[ROW_COLUMNS.findIndex(([, col]) => col === c)];
  expect(at("request_id")).toBe("r1");
  expect(at("model_requested")).toBe("xy");
  expect(at("model_served")).toBe("m".repeat(MAX_TEXT));
  expect(at("ttfb_ms")).toBeNull();
  expect(at("total_ms")).toBe(0);
  expect(at("cost_usd")).toBeNull();
});

test("totals: one increment per hour or day, key, account and model; names equal once made safe count as one (a database would refuse two)", () => {
  const t = Date.UTC(2026, 0, 15, 10, 30);
  const long = "m".repeat(MAX_TEXT);
  const p = packRows([
    usageRow({ time: t, modelServed: `${long}-a`, costUsd: 1 }),
    usageRow({ time: t + 1, modelServed: `${long}-b`, costUsd: 2 }),
    usageRow({ time: t + HOUR_MS, modelServed: `${long}-c`, costUsd: null }),
    usageRow({ time: t, keyId: null, modelServed: null, modelRequested: "asked", status: 502, ttfbMs: null }),
    usageRow({ time: t, keyId: "", modelServed: null, modelRequested: "asked", costUsd: 0 }),
  ]);
  const { hourly, daily } = rollupIncrements(p);
  expect(hourly.map((r) => [r.bucket - (t - (t % HOUR_MS)), r.key_id, r.model.length, r.requests, r.cost_usd, r.unknown_cost_requests])).toEqual([
    [0, "key-a", MAX_TEXT, 2, 3, 0],
    [0, "", 5, 2, 0.006, 0],
    [HOUR_MS, "key-a", MAX_TEXT, 1, 0, 1],
  ]);
  expect(daily.map((r) => [r.bucket, r.requests, r.successes, r.errors, r.ttfb_count])).toEqual([
    [t - (t % DAY_MS), 3, 3, 0, 3],
    [t - (t % DAY_MS), 2, 1, 1, 1],
  ]);
});
