/**
 * Turns measurements into ratios, target checks and a printed table, and writes bench/results/<timestamp>.json.
 * Ratios compare a gateway scenario with the limit proxy / direct run that reaches the same upstream dialect with
 * the same stream flag, measured in the same run.
 */
import { cpus, totalmem, release, platform, arch } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import type { Measured } from "./scenarios.ts";
import type { MicroResult } from "./micro.ts";
import type { MemoryResult } from "./memory.ts";
import type { ColdStartResult } from "./cold-start.ts";
import type { LedgerAbResult } from "./ledger-ab.ts";
import type { ClusterBenchRun } from "./cluster.ts";
import { benchDir, repoDir } from "./processes.ts";

export interface Ratio {
  scenario: string;
  stream: boolean;
  kind: Measured["kind"];
  /** Throughput ÷ the limit proxy's (same upstream dialect, same stream flag). */
  vsLimit?: number;
  /** Throughput ÷ the fake upstream's served directly. */
  vsDirect?: number;
  /** Concurrency-1 latency minus the limit proxy's, ms. */
  p50DeltaMs?: number;
  p99DeltaMs?: number;
  /** Streams: time to first byte minus the limit proxy's, ms (concurrency 1). */
  ttfbDeltaMs?: number;
  /** Paced streams: total time minus direct's, ms (what the proxy adds to a real stream). */
  pacedAddedMs?: number;
  pacedTtfbAddedMs?: number;
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** Throughput ratio: the median of the per-round ratios when both were measured in the same rounds. */
function perRound(m: Measured, base: Measured): number {
  const a = m.rounds;
  const b = base.rounds;
  if (!a || !b || a.length !== b.length || a.length === 0) return m.throughput.rps / base.throughput.rps;
  const ratios = a.map((x, i) => x / b[i]!).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

export function computeRatios(ms: Measured[]): Ratio[] {
  const find = (kind: "limit" | "direct", upstream: string, stream: boolean) =>
    ms.find((m) => m.kind === kind && m.upstream === upstream && m.stream === stream);
  return ms.map((m) => {
    const r: Ratio = { scenario: m.scenario, stream: m.stream, kind: m.kind };
    const limit = find("limit", m.upstream, m.stream);
    const direct = find("direct", m.upstream, m.stream);
    if (limit && m.kind !== "limit" && m.kind !== "direct") {
      r.vsLimit = round(perRound(m, limit));
      r.p50DeltaMs = round(m.latency.latency.p50 - limit.latency.latency.p50);
      r.p99DeltaMs = round(m.latency.latency.p99 - limit.latency.latency.p99);
      if (m.stream && m.latency.ttfb && limit.latency.ttfb) r.ttfbDeltaMs = round(m.latency.ttfb.p50 - limit.latency.ttfb.p50);
    }
    if (direct && m.kind !== "direct") r.vsDirect = round(perRound(m, direct));
    if (m.paced && direct?.paced && m.kind !== "direct") {
      r.pacedAddedMs = round(m.paced.latency.p50 - direct.paced.latency.p50);
      if (m.paced.ttfb && direct.paced.ttfb) r.pacedTtfbAddedMs = round(m.paced.ttfb.p50 - direct.paced.ttfb.p50);
    }
    return r;
  });
}

export interface TargetCheck {
  name: string;
  /** e.g. ">= 0.70 × limit". */
  target: string;
  value: number | undefined;
  unit: string;
  pass: boolean | undefined;
  /** The CI floor (ratios only). */
  floor?: number;
  floorPass?: boolean;
}

/** The performance targets, and the CI floors written beside them in bench/README.md ("Targets and CI floors"). */
export const TARGETS = {
  passthroughVsLimit: 0.7,
  conversionVsLimit: 0.5,
  p50DeltaMs: 0.1,
  p99DeltaMs: 1,
  rss1000StreamsMB: 100,
  rssGrowth: 0.1,
  coldStartMs: 100,
  /** Throughput with the usage ledger on ÷ off (SQLite), ledger-ab.ts. */
  ledgerOnOff: 0.97,
  /** cluster.ts: cluster mode (state in Redis on loopback) ÷ one process. */
  clusterVsOne: 0.85,
  /** cluster.ts: `--workers 1` (state through the supervisor) ÷ one process. */
  supervisedVsOne: 0.95,
  /** cluster.ts: `--workers N` ÷ one process, on a machine with cores to spare for the load generator and upstream. */
  workersVsOne: 1.5,
};
export const FLOORS = { passthroughVsLimit: 0.35, conversionVsLimit: 0.25, ledgerOnOff: 0.7, clusterVsOne: 0.5, supervisedVsOne: 0.6, workersVsOne: 0.5 };

export function checkTargets(
  ratios: Ratio[],
  memory?: MemoryResult,
  coldStart?: ColdStartResult,
  ledger?: LedgerAbResult[],
  cluster?: ClusterBenchRun,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  if (cluster) {
    const ratio = (name: string, value: number | undefined, t: number, f: number) => {
      if (value === undefined) return;
      out.push({ name, target: `>= ${t} x one process`, value, unit: "x one process", pass: value >= t, floor: f, floorPass: value >= f });
    };
    const supervised = cluster.configs.find((c) => c.name === "--workers 1");
    const one = cluster.configs[0];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const supervisedRatio = supervised && one ? Math.round(median(supervised.rps.map((x, k) => x / one.rps[k]!)) * 1000) / 1000 : undefined;
    ratio("cluster mode (Redis on loopback)", cluster.redisRatio, TARGETS.clusterVsOne, FLOORS.clusterVsOne);
    ratio("--workers 1 (state in the supervisor)", supervisedRatio, TARGETS.supervisedVsOne, FLOORS.supervisedVsOne);
    if (cluster.workers > 1) ratio(`--workers ${cluster.workers} (${cluster.cores} cores)`, cluster.workersRatio, TARGETS.workersVsOne, FLOORS.workersVsOne);
  }
  for (const l of ledger ?? []) {
    out.push({
      name: `${l.scenario}${l.stream ? " stream" : ""}: ledger on / off`,
      target: `>= ${TARGETS.ledgerOnOff} x off`,
      value: l.ratio,
      unit: "x off",
      pass: l.ratio >= TARGETS.ledgerOnOff,
      floor: FLOORS.ledgerOnOff,
      floorPass: l.ratio >= FLOORS.ledgerOnOff,
    });
  }
  for (const r of ratios) {
    if (r.kind !== "passthrough" && r.kind !== "conversion") continue;
    const label = `${r.scenario}${r.stream ? " stream" : ""}`;
    const t = r.kind === "passthrough" ? TARGETS.passthroughVsLimit : TARGETS.conversionVsLimit;
    const f = r.kind === "passthrough" ? FLOORS.passthroughVsLimit : FLOORS.conversionVsLimit;
    out.push({
      name: `${label}: throughput`,
      target: `>= ${t} x limit`,
      value: r.vsLimit,
      unit: "x limit",
      pass: r.vsLimit === undefined ? undefined : r.vsLimit >= t,
      floor: f,
      floorPass: r.vsLimit === undefined ? undefined : r.vsLimit >= f,
    });
    out.push({
      name: `${label}: p50 @1`,
      target: `<= limit + ${TARGETS.p50DeltaMs} ms`,
      value: r.p50DeltaMs,
      unit: "ms over limit",
      pass: r.p50DeltaMs === undefined ? undefined : r.p50DeltaMs <= TARGETS.p50DeltaMs,
    });
    out.push({
      name: `${label}: p99 @1`,
      target: `<= limit + ${TARGETS.p99DeltaMs} ms`,
      value: r.p99DeltaMs,
      unit: "ms over limit",
      pass: r.p99DeltaMs === undefined ? undefined : r.p99DeltaMs <= TARGETS.p99DeltaMs,
    });
  }
  if (memory?.streams) {
    const mb = memory.streams.peakRss / 2 ** 20;
    // The figure only means something if the streams really were open together end to end: a gateway that
    // queues upstream requests (Bun's fetch allows 256 at once by default) holds fewer than it was sent.
    const held = memory.streams.upstreamPeakOpen >= memory.streams.concurrent * 0.95;
    out.push({
      name: `RSS with ${memory.streams.concurrent} concurrent streams${held ? "" : ` (only ${memory.streams.upstreamPeakOpen} open upstream at once)`}`,
      target: `<= ${TARGETS.rss1000StreamsMB} MB, all open at once`,
      value: round(mb, 1),
      unit: "MB",
      pass: mb <= TARGETS.rss1000StreamsMB && held,
    });
  }
  if (memory?.growth) {
    out.push({
      name: `RSS growth over ${memory.growth.requests} requests`,
      target: `<= ${TARGETS.rssGrowth * 100}%`,
      value: round(memory.growth.growth * 100, 1),
      unit: "%",
      pass: memory.growth.growth <= TARGETS.rssGrowth,
    });
  }
  if (coldStart) {
    out.push({
      name: "cold start to first /health (median)",
      target: `<= ${TARGETS.coldStartMs} ms`,
      value: coldStart.medianMs,
      unit: "ms",
      pass: coldStart.medianMs <= TARGETS.coldStartMs,
    });
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
      return ri === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

const f1 = (v: number | undefined, d = 1) => (v === undefined ? "" : v.toFixed(d));
const pct = (v: number | undefined) => (v === undefined ? "" : `${(v * 100).toFixed(0)}%`);

export function formatScenarioTable(ms: Measured[], ratios: Ratio[], connections: number): string {
  const rows = [
    [
      "scenario",
      `req/s@${connections}`,
      "MB/s",
      "xlimit",
      "xdirect",
      "p50@1",
      "p99@1",
      "ttfb50@1",
      "+p50",
      "+p99",
      "paced+ms",
      "err",
    ],
  ];
  ms.forEach((m, i) => {
    const r = ratios[i]!;
    rows.push([
      `${m.scenario}${m.stream ? " stream" : ""}`,
      f1(m.throughput.rps, 0),
      f1(m.throughput.bytesPerSec / 1e6),
      pct(r.vsLimit),
      pct(r.vsDirect),
      f1(m.latency.latency.p50, 3),
      f1(m.latency.latency.p99, 3),
      m.stream ? f1(m.latency.ttfb?.p50, 3) : "",
      f1(r.p50DeltaMs, 3),
      f1(r.p99DeltaMs, 3),
      f1(r.pacedAddedMs, 2),
      String(m.throughput.errors + m.throughput.non2xx + m.latency.errors + m.latency.non2xx),
    ]);
  });
  return table(rows);
}

export function formatTargets(checks: TargetCheck[], withFloors: boolean): string {
  const mark = (b: boolean | undefined) => (b === undefined ? "n/a" : b ? "ok" : "MISS");
  const rows = [["target", "wanted", "measured", "target?", ...(withFloors ? ["CI floor", "floor?"] : [])]];
  for (const c of checks) {
    rows.push([
      c.name,
      c.target,
      c.value === undefined ? "" : `${c.value} ${c.unit}`,
      mark(c.pass),
      ...(withFloors ? [c.floor === undefined ? "" : `>= ${c.floor}`, c.floor === undefined ? "" : c.floorPass ? "ok" : "FAIL"] : []),
    ]);
  }
  return table(rows);
}

export function formatMicro(micro: MicroResult): string {
  const rows = [["converter microbench", "ops/s", "events/s", "MB/s in", "MB/s out"]];
  for (const c of micro.cases) {
    rows.push([c.name, f1(c.opsPerSec, 0), f1(c.eventsPerSec, 0), f1(c.mbPerSecIn, 1), f1(c.mbPerSecOut, 1)]);
  }
  return table(rows);
}

export function machineInfo() {
  const c = cpus();
  let commit: string | undefined;
  try {
    const p = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: repoDir, stdout: "pipe", stderr: "ignore" });
    if (p.exitCode === 0) commit = p.stdout.toString().trim();
  } catch {
    commit = undefined;
  }
  return {
    machine: {
      cpu: c[0]?.model ?? "unknown",
      cores: c.length,
      memoryMB: Math.round(totalmem() / 2 ** 20),
      os: `${platform()} ${release()} ${arch}`,
    },
    versions: { bun: Bun.version, bunRevision: Bun.revision, gatewayCommit: commit },
  };
}

/** Writes the run to bench/results/<timestamp>.json and returns the path. */
export function writeResults(data: Record<string, unknown>, dir = `${benchDir}/results`): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const path = `${dir}/${stamp}.json`;
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
