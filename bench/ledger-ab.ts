/**
 * The usage ledger's cost in the running gateway: two gateways on one fake upstream, the same config but for the
 * ledger (on: SQLite in the temp folder, the default; off: `usage.enabled: false`), measured in interleaved rounds
 * (each round measures both, in alternating order, seconds apart, so the box's drift mostly cancels). Per
 * scenario: throughput on / off (the median of the per-round ratios; target ≥ 0.97) and the CPU per request of
 * each gateway process, all its threads (the ledger's worker included), from /proc/<pid>/stat.
 *
 *   bun bench/ledger-ab.ts [--rounds 5] [--ms 2000] [--only passthrough] [--stream|--no-stream] [--source]
 *
 * run.ts and ci.ts run it with the other scenarios (passthrough OpenAI → OpenAI, the cheapest request, where the
 * ledger's share is the largest; stream and not).
 */
import { existsSync, readFileSync } from "node:fs";
import { setupGateway, type GatewaySetup } from "./gateway-setup.ts";
import { runLoadInChild } from "./load.ts";
import type { ProcessGroup, Service } from "./processes.ts";
import { SCENARIOS, requestFor, startServices, type Scenario } from "./scenarios.ts";

export interface LedgerAbResult {
  scenario: string;
  stream: boolean;
  /** Requests/s per round, ledger on and off. */
  onRps: number[];
  offRps: number[];
  /** Median over rounds of on/off throughput. */
  ratio: number;
  /** CPU µs per request of the whole gateway process (median over rounds); null without /proc. */
  onCpuUs: number | null;
  offCpuUs: number | null;
}

export interface LedgerAbRun {
  results: LedgerAbResult[];
  /** The ledger-on gateway's ledger at the end (/health): every request recorded, nothing dropped. */
  ledger?: { state: string; written: number; buffered: number; dropped: number };
}

export interface LedgerAbSettings {
  rounds: number;
  throughputMs: number;
  warmupMs: number;
  connections: number;
}

/** The scenarios of the A/B: the cheapest gateway request, where the ledger's share of the work is the largest. */
export const LEDGER_AB_SCENARIOS = SCENARIOS.filter((s) => s.id === "passthrough openai→openai");

/** utime + stime of a process (all its threads), µs; undefined without /proc. */
function cpuMicros(pid: number): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Requests each gateway serves per scenario before the rounds. */
const WARM_UP_REQUESTS = 20_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Starts the two gateways in `group` (stopped with it), measures, stops them. `upstreamUrl`: the fake upstream.
 */
export async function measureLedgerAb(opts: {
  group: ProcessGroup;
  upstreamUrl: string;
  prefer: "binary" | "source" | "auto";
  settings: LedgerAbSettings;
  scenarios?: Scenario[];
  streams?: boolean[];
  log?: (line: string) => void;
}): Promise<LedgerAbRun> {
  const log = opts.log ?? (() => {});
  const setups: GatewaySetup[] = [];
  const gateways: Service[] = [];
  try {
    for (const ledger of [true, false]) {
      const setup = setupGateway({ upstreamUrl: opts.upstreamUrl, prefer: opts.prefer, ledger });
      setups.push(setup);
      gateways.push(await opts.group.start(`gateway (ledger ${ledger ? "on" : "off"})`, setup.startArgs, { env: setup.env }));
    }
    const endpoint = (i: number) => ({ direct: "", limit: "", gateway: gateways[i]!.url, gatewayKey: setups[i]!.key });
    const results: LedgerAbResult[] = [];
    const set = opts.settings;
    // Steady state first: the ledger's worker is a JavaScript thread of its own, whose code the JIT compiles during
    // its first thousands of rows (CPU a short round would count against the ledger).
    for (const stream of opts.streams ?? [false, true]) {
      for (const s of opts.scenarios ?? LEDGER_AB_SCENARIOS) {
        for (let i = 0; i < 2; i++) await runLoadInChild({ ...requestFor(s, stream, endpoint(i)), connections: set.connections, requests: WARM_UP_REQUESTS });
      }
    }
    for (const stream of opts.streams ?? [false, true]) {
      for (const s of opts.scenarios ?? LEDGER_AB_SCENARIOS) {
        const rps: [number[], number[]] = [[], []];
        const cpu: [number[], number[]] = [[], []];
        for (let round = 0; round < set.rounds; round++) {
          // Alternating order: whichever runs second in a round does not always get the warmer (or cooler) box.
          for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
            const pid = gateways[i]!.pid;
            const req = requestFor(s, stream, endpoint(i));
            const before = cpuMicros(pid);
            const r = await runLoadInChild({ ...req, connections: set.connections, durationMs: set.throughputMs, warmupMs: set.warmupMs });
            const after = cpuMicros(pid);
            if (r.ok === 0 || r.errors + r.non2xx > r.requests * 0.01) throw new Error(`ledger A/B ${s.id}: ${r.ok} ok, ${r.errors} errors, ${r.non2xx} non-2xx; ${r.samples.join(" | ")}`);
            rps[i]!.push(r.rps);
            // CPU over warm-up and window, per request of the window scaled by the whole run's length.
            if (before !== undefined && after !== undefined) cpu[i]!.push((after - before) / (r.requests * ((set.throughputMs + set.warmupMs) / set.throughputMs)));
          }
        }
        const ratios = rps[0].map((on, k) => on / rps[1][k]!);
        const result: LedgerAbResult = {
          scenario: s.id,
          stream,
          onRps: rps[0],
          offRps: rps[1],
          ratio: Math.round(median(ratios) * 1000) / 1000,
          onCpuUs: cpu[0].length ? Math.round(median(cpu[0]) * 10) / 10 : null,
          offCpuUs: cpu[1].length ? Math.round(median(cpu[1]) * 10) / 10 : null,
        };
        log(formatLedgerAb(result));
        results.push(result);
      }
    }
    const health = (await (await fetch(`${gateways[0]!.url}/health`, { headers: { authorization: `Bearer ${setups[0]!.key}` } })).json()) as {
      usage_ledger?: LedgerAbRun["ledger"];
    };
    return { results, ledger: health.usage_ledger };
  } finally {
    for (const g of gateways) await g.stop();
    for (const s of setups) s.cleanup();
  }
}

export function formatLedgerAb(r: LedgerAbResult): string {
  const cpu = r.onCpuUs !== null && r.offCpuUs !== null ? `; CPU ${r.onCpuUs} vs ${r.offCpuUs} µs/req (+${(r.onCpuUs - r.offCpuUs).toFixed(1)})` : "";
  const rounds = r.onRps.map((on, i) => `${Math.round(on)}/${Math.round(r.offRps[i]!)}`).join(" ");
  return `ledger on/off ${r.scenario}${r.stream ? " stream" : ""}: ${(r.ratio * 100).toFixed(1)}% (req/s on/off per round: ${rounds})${cpu}`;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const get = (n: string) => {
    const i = args.indexOf(`--${n}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = get("only");
  const svc = await startServices({ gateway: false });
  try {
    const run = await measureLedgerAb({
      group: svc.group,
      upstreamUrl: svc.upstream.url,
      prefer: args.includes("--source") ? "source" : "auto",
      settings: { rounds: Number(get("rounds") ?? 5), throughputMs: Number(get("ms") ?? 2000), warmupMs: 500, connections: 64 },
      scenarios: only ? SCENARIOS.filter((s) => (s.kind === "passthrough" || s.kind === "conversion") && s.id.includes(only)) : undefined,
      streams: args.includes("--stream") ? [true] : args.includes("--no-stream") ? [false] : [false, true],
      log: (l) => console.log(l),
    });
    console.log(`ledger at the end: ${JSON.stringify(run.ledger)}`);
  } finally {
    await svc.stop();
  }
  process.exit(0);
}
