/**
 * Several processes: throughput of one gateway process, of `server start --workers 1` (the same, but its state
 * shared through the supervisor over IPC) and of `--workers N` (N = the machine's cores), and the cost of cluster mode
 * (a gateway whose state is in Redis on loopback). Gateways on one fake upstream, measured in interleaved rounds (the
 * box's drift mostly cancels); the bench key has a rate limit, so every request does its shared-state round trip.
 * Per configuration: requests/s (median over rounds) and the CPU per request of every process of the gateway (the
 * supervisor and its workers; Redis's own CPU beside the gateway's).
 *
 *   bun bench/cluster.ts [--rounds 3] [--ms 2000] [--workers N] [--source]
 *
 * run.ts and ci.ts run it after the other scenarios (passthrough OpenAI → OpenAI, not streamed).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { findRedisServer, startRedis, type RedisServer } from "../test/support/redis-server.ts";
import { setupGateway, type GatewaySetup } from "./gateway-setup.ts";
import { runLoadInChild } from "./load.ts";
import type { ProcessGroup, Service } from "./processes.ts";
import { SCENARIOS, requestFor, startServices } from "./scenarios.ts";

export interface ClusterConfigResult {
  name: string;
  rps: number[];
  /** Median requests/s over rounds. */
  medianRps: number;
  /** CPU µs per request of the gateway's processes (median over rounds); null without /proc. */
  cpuUs: number | null;
  /** Redis's CPU µs per request (cluster mode only). */
  redisCpuUs?: number | null;
}

export interface ClusterBenchRun {
  cores: number;
  workers: number;
  configs: ClusterConfigResult[];
  /** N workers ÷ one process. */
  workersRatio: number;
  /** Cluster mode (Redis) ÷ one process; undefined without redis-server. */
  redisRatio?: number;
  /** µs of gateway CPU a request costs more in cluster mode (its Redis round trip). */
  redisCpuDeltaUs?: number | null;
  /** µs of CPU a request costs more with its state in the supervisor (--workers 1 vs one process). */
  ipcCpuDeltaUs?: number | null;
}

export interface ClusterBenchSettings {
  rounds: number;
  throughputMs: number;
  warmupMs: number;
  connections: number;
  warmupRequests: number;
}

const SCENARIO = SCENARIOS.find((s) => s.id === "passthrough openai→openai")!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** utime + stime of a process and all its threads, µs; undefined without /proc. */
function cpuOf(pid: number): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** A process and its children (a supervisor and its workers), from /proc/<pid>/task/<tid>/children. */
function familyOf(pid: number): number[] {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    }
  } catch {
    // not Linux
  }
  return out;
}

function familyCpu(pid: number): number | undefined {
  let sum = 0;
  for (const p of familyOf(pid)) {
    const c = cpuOf(p);
    if (c === undefined) return undefined;
    sum += c;
  }
  return sum;
}

export async function measureCluster(opts: {
  group: ProcessGroup;
  upstreamUrl: string;
  prefer: "binary" | "source" | "auto";
  settings: ClusterBenchSettings;
  workers?: number;
  log?: (line: string) => void;
}): Promise<ClusterBenchRun> {
  const log = opts.log ?? (() => {});
  const cores = availableParallelism();
  const workers = opts.workers ?? cores;
  const setups: GatewaySetup[] = [];
  const gateways: { name: string; svc: Service; setup: GatewaySetup }[] = [];
  let redis: RedisServer | undefined;
  const redisBinary = findRedisServer();
  try {
    const add = async (name: string, args: string[], extraEnv?: Record<string, string>) => {
      const setup = setupGateway({ upstreamUrl: opts.upstreamUrl, prefer: opts.prefer, extraEnv });
      setups.push(setup);
      gateways.push({ name, svc: await opts.group.start(`gateway (${name})`, [...setup.startArgs, ...args], { env: setup.env }), setup });
    };
    await add("one process", []);
    await add("--workers 1", ["--workers", "1"]);
    if (workers > 1) await add(`--workers ${workers}`, ["--workers", String(workers)]);
    if (redisBinary) {
      redis = await startRedis(redisBinary);
      // Each gateway its own namespace: the bench's keys never meet another run's.
      await add("cluster mode (Redis on loopback)", [], { LLM_GATEWAY_REDIS_URL: redis.url });
    } else {
      log("redis-server is not installed: cluster mode not measured");
    }
    const redisPid = redis ? Number((await redis.command("INFO", "server") as string).match(/process_id:(\d+)/)?.[1]) : undefined;
    const set = opts.settings;
    const request = (g: (typeof gateways)[number]) => requestFor(SCENARIO, false, { direct: "", limit: "", gateway: g.svc.url, gatewayKey: g.setup.key });
    for (const g of gateways) await runLoadInChild({ ...request(g), connections: set.connections, requests: set.warmupRequests });
    const rps = gateways.map(() => [] as number[]);
    const cpu = gateways.map(() => [] as number[]);
    const redisCpu: number[] = [];
    for (let round = 0; round < set.rounds; round++) {
      // A different order each round: none of them always gets the warmer (or cooler) box.
      const order = gateways.map((_, i) => (i + round) % gateways.length);
      for (const i of order) {
        const g = gateways[i]!;
        const before = familyCpu(g.svc.pid);
        const redisBefore = redisPid && g.name.startsWith("cluster") ? cpuOf(redisPid) : undefined;
        const r = await runLoadInChild({ ...request(g), connections: set.connections, durationMs: set.throughputMs, warmupMs: set.warmupMs });
        const after = familyCpu(g.svc.pid);
        const redisAfter = redisPid && g.name.startsWith("cluster") ? cpuOf(redisPid) : undefined;
        if (r.ok === 0 || r.errors + r.non2xx > r.requests * 0.01) throw new Error(`${g.name}: ${r.ok} ok, ${r.errors} errors, ${r.non2xx} non-2xx; ${r.samples.join(" | ")}`);
        rps[i]!.push(r.rps);
        const scale = r.requests * ((set.throughputMs + set.warmupMs) / set.throughputMs);
        if (before !== undefined && after !== undefined) cpu[i]!.push((after - before) / scale);
        if (redisBefore !== undefined && redisAfter !== undefined) redisCpu.push((redisAfter - redisBefore) / scale);
      }
    }
    const configs: ClusterConfigResult[] = gateways.map((g, i) => ({
      name: g.name,
      rps: rps[i]!.map(Math.round),
      medianRps: Math.round(median(rps[i]!)),
      cpuUs: cpu[i]!.length ? Math.round(median(cpu[i]!) * 10) / 10 : null,
      ...(g.name.startsWith("cluster") && { redisCpuUs: redisCpu.length ? Math.round(median(redisCpu) * 10) / 10 : null }),
    }));
    const one = configs[0]!;
    const byName = (prefix: string) => configs.find((c) => c.name.startsWith(prefix));
    const n = workers > 1 ? byName(`--workers ${workers}`)! : byName("--workers 1")!;
    const clustered = byName("cluster");
    const ipc = byName("--workers 1");
    const ratioOf = (c: ClusterConfigResult) => Math.round(median(c.rps.map((x, k) => x / one.rps[k]!)) * 1000) / 1000;
    const delta = (c: ClusterConfigResult | undefined) => (c && c.cpuUs !== null && one.cpuUs !== null ? Math.round((c.cpuUs - one.cpuUs) * 10) / 10 : null);
    const run: ClusterBenchRun = {
      cores,
      workers,
      configs,
      workersRatio: ratioOf(n),
      ...(clustered && { redisRatio: ratioOf(clustered), redisCpuDeltaUs: delta(clustered) }),
      ipcCpuDeltaUs: delta(ipc),
    };
    for (const line of formatCluster(run)) log(line);
    return run;
  } finally {
    for (const g of gateways) await g.svc.stop();
    for (const s of setups) s.cleanup();
    await redis?.dispose();
  }
}

export function formatCluster(r: ClusterBenchRun): string[] {
  return [
    ...r.configs.map(
      (c) =>
        `${c.name}: ${c.medianRps} req/s (rounds ${c.rps.join(" ")})${c.cpuUs !== null ? `, CPU ${c.cpuUs} µs/req` : ""}${c.redisCpuUs != null ? ` + Redis ${c.redisCpuUs} µs/req` : ""}`,
    ),
    `--workers ${r.workers} ÷ one process: ${r.workersRatio.toFixed(2)} (${r.cores} cores)` +
      (r.ipcCpuDeltaUs != null ? `; state through the supervisor: ${r.ipcCpuDeltaUs >= 0 ? "+" : ""}${r.ipcCpuDeltaUs} µs CPU/req` : ""),
    ...(r.redisRatio !== undefined
      ? [`cluster mode ÷ one process: ${r.redisRatio.toFixed(2)}${r.redisCpuDeltaUs != null ? `; +${r.redisCpuDeltaUs} µs gateway CPU/req` : ""}`]
      : []),
  ];
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const get = (n: string) => {
    const i = args.indexOf(`--${n}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const svc = await startServices({ gateway: false });
  try {
    await measureCluster({
      group: svc.group,
      upstreamUrl: svc.upstream.url,
      prefer: args.includes("--source") ? "source" : "auto",
      workers: get("workers") ? Number(get("workers")) : undefined,
      settings: { rounds: Number(get("rounds") ?? 3), throughputMs: Number(get("ms") ?? 2000), warmupMs: 500, connections: 64, warmupRequests: 10_000 },
      log: (l) => console.log(l),
    });
  } finally {
    await svc.stop();
  }
  process.exit(0);
}
