/**
 * The full bench: `bun run bench` (or `bun bench/run.ts [--no-build] [--source] [--skip-memory] [--skip-cold-start]
 * [--throughput-ms N] [--latency-ms N]`). Builds the binary, runs the converter microbench, every scenario (direct,
 * limit proxy, gateway passthrough and conversion; stream and not), the usage ledger's on/off A/B, the memory
 * scenarios and the cold start; prints the tables and writes bench/results/<timestamp>.json.
 */
import { existsSync } from "node:fs";
import { runMicroInChild, type MicroResult } from "./micro.ts";
import { formatPipeline, runPipelineInChild, type PipelineCase } from "./pipeline.ts";
import { CI_SETTINGS, FULL_SETTINGS, restartGateway, runSuite, startServices, type Measured, type SuiteSettings } from "./scenarios.ts";
import { measureGrowth, measureStreams, type MemoryResult } from "./memory.ts";
import { measureColdStart, type ColdStartResult } from "./cold-start.ts";
import {
  checkTargets,
  computeRatios,
  formatMicro,
  formatScenarioTable,
  formatTargets,
  machineInfo,
  writeResults,
  type TargetCheck,
} from "./report.ts";
import { BINARY } from "./gateway-setup.ts";
import { measureLedgerAb, type LedgerAbRun } from "./ledger-ab.ts";
import { measureCluster, type ClusterBenchRun } from "./cluster.ts";
import { bunPath, repoDir } from "./processes.ts";

export interface BenchOptions {
  mode: "full" | "ci";
  settings: SuiteSettings;
  build: boolean;
  gateway: "binary" | "source" | "auto";
  memory: boolean;
  coldStartRuns: number;
  microMs: number;
  /** In-process pipeline bench duration per case (0: skipped). */
  pipelineMs: number;
  streamsConcurrent: number;
  growthRequests: number;
  log: (line: string) => void;
}

/** Request size of the second streams run: what a coding agent (Claude Code) sends, system prompt and tools included. */
const LARGE_REQUEST_BYTES = 100 * 1024;

export interface BenchRun {
  checks: TargetCheck[];
  resultsPath: string;
  gatewayRan: boolean;
}

export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const t0 = performance.now();
  const log = o.log;
  if (o.build) {
    log("building dist/llm-gateway (bun run build)…");
    const p = Bun.spawnSync([bunPath, "run", "build"], { cwd: repoDir, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) log(`build failed (${p.exitCode}); the gateway runs from source:\n${p.stderr.toString().slice(-1500)}`);
  }
  const gatewayPref = o.gateway === "auto" ? (existsSync(BINARY) ? "binary" : "source") : o.gateway;

  let micro: MicroResult | undefined;
  try {
    log("converter microbench…");
    micro = await runMicroInChild(o.microMs);
    log(formatMicro(micro));
  } catch (e) {
    log(`microbench failed: ${(e as Error).message}`);
  }

  let pipeline: PipelineCase[] | undefined;
  if (o.pipelineMs > 0) {
    try {
      log("in-process pipeline bench…");
      pipeline = await runPipelineInChild(o.pipelineMs);
      log(formatPipeline(pipeline));
    } catch (e) {
      log(`pipeline bench failed: ${(e as Error).message}`);
    }
  }

  log(`starting fake upstream, limit proxy, gateway (${gatewayPref})…`);
  let measured: Measured[] = [];
  let ledgerAb: LedgerAbRun | undefined;
  let cluster: ClusterBenchRun | undefined;
  let memory: MemoryResult | undefined;
  let coldStart: ColdStartResult | undefined;
  let gatewayError: string | undefined;
  let svc = await startServices({ gateway: gatewayPref }).catch(async (e: Error) => {
    gatewayError = e.message;
    log(`gateway did not start: ${e.message}\nmeasuring direct and limit proxy only`);
    return startServices({ gateway: false });
  });
  try {
    measured = await runSuite(svc.endpoints, o.settings, log);
    if (svc.gateway) {
      log("usage ledger on / off (two gateways, interleaved rounds)…");
      ledgerAb = await measureLedgerAb({ group: svc.group, upstreamUrl: svc.upstream.url, prefer: gatewayPref, settings: o.settings, log: (l) => log(`  ${l}`) });
      if (ledgerAb.ledger) log(`  ledger at the end: ${ledgerAb.ledger.written} rows written, ${ledgerAb.ledger.buffered} waiting, ${ledgerAb.ledger.dropped} dropped (${ledgerAb.ledger.state})`);
      log("several processes: one, --workers 1, --workers N, cluster mode (interleaved rounds)…");
      try {
        const set = o.settings;
        cluster = await measureCluster({
          group: svc.group,
          upstreamUrl: svc.upstream.url,
          prefer: gatewayPref,
          settings: { rounds: set.rounds, throughputMs: set.throughputMs, warmupMs: set.warmupMs, connections: set.connections, warmupRequests: 5000 },
          log: (l) => log(`  ${l}`),
        });
      } catch (e) {
        log(`  several processes: not measured: ${(e as Error).message}`);
      }
    }
    if (o.memory && svc.gateway) {
      log(`${o.streamsConcurrent} concurrent slow streams (fresh gateway)…`);
      await restartGateway(svc);
      memory = { streams: await measureStreams(svc, o.streamsConcurrent) };
      log(
        `  RSS ${(memory.streams!.baselineRss / 2 ** 20).toFixed(1)} MB idle → ${(memory.streams!.peakRss / 2 ** 20).toFixed(1)} MB peak; ` +
          `${memory.streams!.upstreamPeakOpen} open at the upstream at once; ${memory.streams!.errors} errors`,
      );
      log(`${o.streamsConcurrent} concurrent slow streams, ${LARGE_REQUEST_BYTES / 1024} KB requests (fresh gateway)…`);
      await restartGateway(svc);
      memory.largeRequests = await measureStreams(svc, o.streamsConcurrent, 100, LARGE_REQUEST_BYTES);
      log(`RSS over ${o.growthRequests} requests (fresh gateway)…`);
      await restartGateway(svc);
      memory.growth = await measureGrowth(svc, o.growthRequests, Math.round(o.growthRequests / 5), 64, (l) => log(`  ${l}`));
    }
    if (o.coldStartRuns > 0 && svc.setup) {
      log(`cold start (${svc.setup.kind}, ${o.coldStartRuns} runs)…`);
      coldStart = await measureColdStart(svc.setup, o.coldStartRuns);
    }
  } finally {
    await svc.stop();
  }

  const ratios = computeRatios(measured);
  const checks = checkTargets(ratios, memory, coldStart, ledgerAb?.results, cluster);
  log("");
  log(formatScenarioTable(measured, ratios, o.settings.connections));
  if (memory?.streams) log("");
  for (const s of [memory?.streams, memory?.largeRequests]) {
    if (!s) continue;
    log(
      `memory: ${s.concurrent} streams (${s.delayMs} ms/event${s.requestBytes ? `, ${s.requestBytes / 1024} KB requests` : ""}): RSS idle ${(s.baselineRss / 2 ** 20).toFixed(1)} MB, peak ${(s.peakRss / 2 ** 20).toFixed(1)} MB, held ${(s.heldRss / 2 ** 20).toFixed(1)} MB, after ${(s.afterRss / 2 ** 20).toFixed(1)} MB; ` +
        `upstream saw ${s.upstreamPeakOpen} open at once; ttfb p50 ${s.ttfbP50} ms p99 ${s.ttfbP99} ms; ${s.errors} errors`,
    );
  }
  if (memory?.growth) {
    const g = memory.growth;
    log(
      `memory: ${g.requests} requests: RSS ${(g.afterWarmupRss / 2 ** 20).toFixed(1)} MB after ${g.warmupRequests} → ${(g.finalRss / 2 ** 20).toFixed(1)} MB (max ${(g.maxRss / 2 ** 20).toFixed(1)} MB), growth ${(g.growth * 100).toFixed(1)}%`,
    );
  }
  if (coldStart) log(`cold start (${coldStart.kind}): median ${coldStart.medianMs} ms, min ${coldStart.minMs}, max ${coldStart.maxMs} (listening line ${coldStart.listeningMedianMs} ms)`);
  log("");
  log(formatTargets(checks, o.mode === "ci"));

  const info = machineInfo();
  const resultsPath = writeResults({
    mode: o.mode,
    startedAt: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    elapsedMs: Math.round(performance.now() - t0),
    ...info,
    gateway: { kind: gatewayPref, error: gatewayError },
    loadGenerator: { engine: "socket", process: "child per measurement" },
    settings: o.settings,
    scenarios: measured,
    ratios,
    ledgerAb,
    cluster,
    memory,
    coldStart,
    micro,
    pipeline,
    targets: checks,
  });
  log(`\nresults: ${resultsPath} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return { checks, resultsPath, gatewayRan: gatewayError === undefined };
}

function numArg(args: string[], name: string): number | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : undefined;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const settings: SuiteSettings = {
    ...FULL_SETTINGS,
    throughputMs: numArg(args, "throughput-ms") ?? FULL_SETTINGS.throughputMs,
    latencyMs: numArg(args, "latency-ms") ?? FULL_SETTINGS.latencyMs,
  };
  void CI_SETTINGS;
  const run = await runBench({
    mode: "full",
    settings,
    build: !args.includes("--no-build"),
    gateway: args.includes("--source") ? "source" : "auto",
    memory: !args.includes("--skip-memory"),
    coldStartRuns: args.includes("--skip-cold-start") ? 0 : 10,
    microMs: 1000,
    pipelineMs: 1500,
    streamsConcurrent: numArg(args, "streams") ?? 1000,
    growthRequests: numArg(args, "requests") ?? 100_000,
    log: (l) => console.log(l),
  });
  process.exit(run.gatewayRan ? 0 : 1);
}
