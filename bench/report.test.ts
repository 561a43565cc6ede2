import { expect, test } from "bun:test";
import { checkTargets, computeRatios, formatScenarioTable, formatTargets, FLOORS, TARGETS } from "./report.ts";
import type { Measured } from "./scenarios.ts";
import type { LoadResult } from "./load.ts";

const load = (rps: number, p50: number, p99: number): LoadResult => ({
  engine: "socket",
  connections: 1,
  durationMs: 1000,
  requests: rps,
  ok: rps,
  non2xx: 0,
  errors: 0,
  rps,
  bytes: rps * 100,
  bytesPerSec: rps * 100,
  latency: { min: p50, mean: p50, p50, p90: p99, p99, max: p99 },
  ttfb: { min: p50, mean: p50, p50: p50 / 2, p90: p99, p99, max: p99 },
  samples: [],
});

const m = (scenario: string, kind: Measured["kind"], client: "openai" | "anthropic", upstream: "openai" | "anthropic", rps: number, p50: number, p99: number): Measured => ({
  scenario,
  kind,
  client,
  upstream,
  stream: false,
  throughput: load(rps, 1, 2),
  latency: load(1000, p50, p99),
});

const measured = [
  m("direct openai", "direct", "openai", "openai", 100_000, 0.05, 0.1),
  m("direct anthropic", "direct", "anthropic", "anthropic", 80_000, 0.05, 0.1),
  m("limit-proxy openai", "limit", "openai", "openai", 40_000, 0.1, 0.3),
  m("limit-proxy anthropic", "limit", "anthropic", "anthropic", 20_000, 0.1, 0.3),
  m("passthrough openai→openai", "passthrough", "openai", "openai", 30_000, 0.15, 0.5),
  m("conversion openai→anthropic", "conversion", "openai", "anthropic", 4_000, 0.3, 2),
];

test("ratios compare with the limit proxy and direct run of the same upstream dialect", () => {
  const r = computeRatios(measured);
  expect(r[2]).toMatchObject({ vsDirect: 0.4 });
  expect(r[2]!.vsLimit).toBeUndefined();
  expect(r[4]).toMatchObject({ vsLimit: 0.75, vsDirect: 0.3, p50DeltaMs: 0.05, p99DeltaMs: 0.2 });
  expect(r[5]).toMatchObject({ vsLimit: 0.2, vsDirect: 0.05, p50DeltaMs: 0.2, p99DeltaMs: 1.7 });
});

test("with throughput rounds, a ratio is the median of the per-round ratios (drift cancels within a round)", () => {
  const limit = { ...m("limit-proxy openai", "limit", "openai", "openai", 30_000, 0.1, 0.3), rounds: [20_000, 40_000, 30_000] };
  const gw = { ...m("passthrough openai→openai", "passthrough", "openai", "openai", 20_000, 0.1, 0.3), rounds: [14_000, 20_000, 27_000] };
  // Per round 0.7, 0.5, 0.9 → median 0.7 (the medians' ratio would say 20/30 = 0.667).
  expect(computeRatios([limit, gw])[1]!.vsLimit).toBe(0.7);
  // Rounds that do not pair up fall back to the throughput figures.
  expect(computeRatios([limit, { ...gw, rounds: [1, 2] }])[1]!.vsLimit).toBe(0.667);
});

test("targets and CI floors", () => {
  const checks = checkTargets(computeRatios(measured), {
    streams: { concurrent: 1000, requestBytes: 0, upstreamPeakOpen: 1000, delayMs: 100, baselineRss: 0, peakRss: 120 * 2 ** 20, heldRss: 0, afterRss: 0, ok: 1000, errors: 0, ttfbP50: 1, ttfbP99: 2, samples: [] },
    growth: { requests: 100_000, warmupRequests: 10_000, afterWarmupRss: 100, finalRss: 105, maxRss: 105, growth: 0.05, curve: [], errors: 0 },
  }, { kind: "binary", runs: 3, samplesMs: [50, 60, 70], minMs: 50, medianMs: 60, maxMs: 70, listeningMedianMs: 40 });
  const by = (name: string) => checks.find((c) => c.name === name)!;
  expect(by("passthrough openai→openai: throughput")).toMatchObject({ pass: true, floor: FLOORS.passthroughVsLimit, floorPass: true });
  expect(by("conversion openai→anthropic: throughput")).toMatchObject({ pass: false, floor: FLOORS.conversionVsLimit, floorPass: false });
  expect(by("conversion openai→anthropic: p99 @1").pass).toBe(false);
  expect(by("passthrough openai→openai: p50 @1").pass).toBe(true);
  expect(by("RSS with 1000 concurrent streams")).toMatchObject({ value: 120, pass: false });
  const queued = checkTargets([], { streams: { concurrent: 1000, requestBytes: 0, upstreamPeakOpen: 256, delayMs: 100, baselineRss: 0, peakRss: 50 * 2 ** 20, heldRss: 0, afterRss: 0, ok: 1000, errors: 0, ttfbP50: 1, ttfbP99: 2, samples: [] } });
  expect(queued[0]).toMatchObject({ name: "RSS with 1000 concurrent streams (only 256 open upstream at once)", pass: false });
  expect(by("RSS growth over 100000 requests")).toMatchObject({ value: 5, pass: true });
  expect(by("cold start to first /health (median)")).toMatchObject({ value: 60, pass: true });
  expect(FLOORS.passthroughVsLimit).toBeLessThan(TARGETS.passthroughVsLimit);
  expect(FLOORS.conversionVsLimit).toBeLessThan(TARGETS.conversionVsLimit);
  const text = formatTargets(checks, true);
  expect(text).toContain("FAIL");
  expect(text).toContain("MISS");
});

test("the scenario table has one row per measurement", () => {
  const t = formatScenarioTable(measured, computeRatios(measured), 64).split("\n");
  expect(t.length).toBe(2 + measured.length);
  expect(t[0]).toContain("req/s@64");
  expect(t.find((l) => l.startsWith("conversion"))).toContain("20%");
});

test("the usage ledger's on/off ratio against its target and CI floor", () => {
  const ab = (ratio: number, stream: boolean) => ({ scenario: "passthrough openai→openai", stream, onRps: [1], offRps: [1], ratio, onCpuUs: 40, offCpuUs: 38 });
  const checks = checkTargets([], undefined, undefined, [ab(0.98, false), ab(0.9, true), ab(0.6, true)]);
  expect(checks.map((c) => [c.name, c.pass, c.floorPass])).toEqual([
    ["passthrough openai→openai: ledger on / off", true, true],
    ["passthrough openai→openai stream: ledger on / off", false, true],
    ["passthrough openai→openai stream: ledger on / off", false, false],
  ]);
  expect(FLOORS.ledgerOnOff).toBeLessThan(TARGETS.ledgerOnOff);
});

test("several processes: cluster mode, the supervised process and N workers against their targets and CI floors", () => {
  const config = (name: string, rps: number[]) => ({ name, rps, medianRps: rps[1]!, cpuUs: 100 });
  const checks = checkTargets([], undefined, undefined, undefined, {
    cores: 2,
    workers: 2,
    configs: [config("one process", [100, 100, 100]), config("--workers 1", [97, 96, 99]), config("--workers 2", [70, 80, 75]), config("cluster mode (Redis on loopback)", [40, 45, 50])],
    workersRatio: 0.75,
    redisRatio: 0.45,
  });
  expect(checks.map((c) => [c.name, c.value, c.pass, c.floorPass])).toEqual([
    ["cluster mode (Redis on loopback)", 0.45, false, false],
    ["--workers 1 (state in the supervisor)", 0.97, true, true],
    ["--workers 2 (2 cores)", 0.75, false, true],
  ]);
});
