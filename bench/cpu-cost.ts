/**
 * CPU time per request, the steadiest A/B figure on a shared 2-core box: throughput ratios move ±10 points between
 * runs (three processes compete for two cores), the CPU a process spends per request moves a few percent. Runs a
 * fixed number of requests per scenario at 64 connections and reads the serving process's user+system time from
 * /proc/<pid>/stat before and after. Linux only.
 *
 *   bun bench/cpu-cost.ts [--requests 20000] [--rounds 3] [--only passthrough] [--stream|--no-stream] [--binary] [--paced MS]
 *
 * `--paced MS` makes the fake upstream write each stream event on its own, MS apart (as a real upstream does; the
 * bench's fast streams arrive whole), so the figure includes the per-chunk work: streams only, fewer requests suit it.
 *
 * Prints, per scenario, the median over rounds of µs of CPU per request: the limit proxy's (same upstream dialect
 * and stream flag) and the gateway's, and their difference (what the gateway's own work costs).
 */
import { readFileSync } from "node:fs";
import { setupGateway } from "./gateway-setup.ts";
import { runLoadInChild } from "./load.ts";
import { SCENARIOS, requestFor, startServices, type Scenario } from "./scenarios.ts";

const args = process.argv.slice(2);
const get = (n: string) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const requests = Number(get("requests") ?? 20000);
const rounds = Number(get("rounds") ?? 3);
const only = get("only");
const paced = get("paced");
const streams = paced !== undefined || args.includes("--stream") ? [true] : args.includes("--no-stream") ? [false] : [false, true];

/** utime + stime of a process, in µs (clock ticks are 1/100 s on Linux). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const svc = await startServices({ gateway: false });
const setup = setupGateway({ upstreamUrl: svc.upstream.url, prefer: args.includes("--binary") ? "binary" : "source" });
try {
  const gw = await svc.group.start("gateway", setup.startArgs, { env: setup.env });
  const ep = { ...svc.endpoints, gateway: gw.url, gatewayKey: setup.key };
  const pidOf = (s: Scenario) => (s.kind === "limit" ? svc.limit.pid : gw.pid);
  const measure = async (s: Scenario, stream: boolean) => {
    const req = requestFor(s, stream, ep, paced !== undefined ? `-d${paced}` : "");
    await runLoadInChild({ ...req, connections: 64, requests: Math.min(5000, requests) }); // warm-up
    const before = cpuMicros(pidOf(s));
    const r = await runLoadInChild({ ...req, connections: 64, requests });
    if (r.errors + r.non2xx > 0) throw new Error(`${s.id}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return (cpuMicros(pidOf(s)) - before) / requests;
  };
  for (const stream of streams) {
    const limits = SCENARIOS.filter((s) => s.kind === "limit");
    const gateways = SCENARIOS.filter((s) => (s.kind === "passthrough" || s.kind === "conversion") && (!only || s.id.includes(only)));
    const samples = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const s of [...limits, ...gateways]) {
        const list = samples.get(s.id) ?? [];
        list.push(await measure(s, stream));
        samples.set(s.id, list);
      }
    }
    for (const s of gateways) {
      const limit = median(samples.get(limits.find((l) => l.upstream === s.upstream)!.id)!);
      const own = median(samples.get(s.id)!);
      console.log(
        `${`${s.id}${stream ? " stream" : ""}`.padEnd(40)} gateway ${own.toFixed(1).padStart(6)} µs/req   limit proxy ${limit.toFixed(1).padStart(6)}   added ${(own - limit).toFixed(1).padStart(6)}   (${samples.get(s.id)!.map((x) => x.toFixed(1)).join(", ")})`,
      );
    }
  }
  await gw.stop();
} finally {
  await svc.group.stopAll();
  setup.cleanup();
  process.exit(0);
}
