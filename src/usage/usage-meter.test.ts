import { expect, test } from "bun:test";
import { MAX_MODEL_LABEL, MAX_MODELS, createUsageMeter } from "./usage-meter.ts";

test("requests, errors, latency and tokens add up per key, account, model and status class", () => {
  const m = createUsageMeter();
  const a = { keyId: "k1", accountId: "up1", model: "gpt-x" };
  m.request(a, 200, 12);
  m.request(a, 200, 3);
  m.request(a, 503, 40);
  m.request({ keyId: "k1" }, 401, 1);
  m.tokens(a, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 2 });
  m.tokens(a, { inputTokens: 1, outputTokens: 1 });
  const rows = Object.fromEntries(m.snapshot().map((r) => [Object.values(r.labels).join("|"), r.totals]));
  expect(rows["k1|up1|gpt-x|2xx"]).toEqual({ requests: 2, errors: 0, inputTokens: 11, outputTokens: 6, cachedTokens: 2, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMsSum: 15 });
  expect(rows["k1|up1|gpt-x|5xx"]).toMatchObject({ requests: 1, errors: 1 });
  expect(rows["k1|-|-|4xx"]).toMatchObject({ requests: 1, errors: 1 });
  const h = m.latencyHistogram();
  expect(h.count).toBe(4);
  expect(h.sum).toBe(56);
  expect(h.counts[0]).toBe(2); // ≤ 5 ms: 3 and 1
  expect(h.counts.at(-1)).toBe(4);
});

test("snapshots are copies", () => {
  const m = createUsageMeter();
  m.request({ keyId: "k" }, 200, 1);
  m.snapshot()[0]!.totals.requests = 99;
  expect(m.snapshot()[0]!.totals.requests).toBe(1);
});

test("at most 100 model names of at most 128 characters get a label; the rest count under `other`", () => {
  const m = createUsageMeter();
  for (let i = 0; i < 200; i++) m.request({ keyId: "k", accountId: "a", model: `m${i}` }, 200, 1);
  m.request({ keyId: "k", accountId: "a", model: "x".repeat(100_000) }, 200, 1);
  m.tokens({ keyId: "k", accountId: "a", model: "m150" }, { inputTokens: 3, outputTokens: 1 });
  m.request({ keyId: "k", accountId: "a", model: "m5" }, 500, 1); // a name with a label keeps it
  const snap = m.snapshot();
  const models = new Set(snap.map((r) => r.labels.model));
  expect(models.size).toBe(MAX_MODELS + 1);
  expect(models.has("m99")).toBe(true);
  expect(models.has("m100")).toBe(false);
  expect(Math.max(...snap.map((r) => r.labels.model.length))).toBeLessThanOrEqual(MAX_MODEL_LABEL);
  const other = snap.find((r) => r.labels.model === "other")!;
  expect(other.totals).toMatchObject({ requests: 101, inputTokens: 3 });
  expect(snap.find((r) => r.labels.model === "m5" && r.labels.status === "5xx")!.totals.requests).toBe(1);
});

test("past 10,000 label combinations new ones share one `other` row", () => {
  const m = createUsageMeter();
  for (let i = 0; i < 10_000; i++) m.request({ keyId: `k${i}`, accountId: "a", model: "m" }, 200, 1);
  for (let i = 0; i < 500; i++) m.request({ keyId: `late${i}`, accountId: "a", model: "m" }, 200, 1);
  m.request({ keyId: "late0", accountId: "a", model: "m" }, 500, 1); // a new status class past the bound too
  m.tokens({ keyId: "k1", accountId: "a", model: "m" }, { inputTokens: 1, outputTokens: 1 }); // existing rows still count
  const snap = m.snapshot();
  expect(snap.length).toBe(10_002);
  const other = snap.filter((r) => r.labels.key === "other");
  expect(other.map((r) => [r.labels.status, r.totals.requests])).toEqual([["2xx", 500], ["5xx", 1]]);
  expect(snap.find((r) => r.labels.key === "k1")!.totals.inputTokens).toBe(1);
});
