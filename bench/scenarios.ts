/**
 * The load scenarios: who is asked (fake upstream directly, the limit proxy, the gateway), in which dialect, for
 * which upstream, stream or not; and the services they need, started as separate processes.
 */
import { endpointPath, requestBody, streamTerminator, type BenchDialect } from "./fixtures.ts";
import { setupGateway, type GatewaySetup } from "./gateway-setup.ts";
import { runLoadInChild, type LoadOptions, type LoadResult } from "./load.ts";
import { benchDir, bunPath, ProcessGroup, type Service } from "./processes.ts";

export type ScenarioKind = "direct" | "limit" | "passthrough" | "conversion";

export interface Scenario {
  id: string;
  kind: ScenarioKind;
  /** The dialect the client speaks. */
  client: BenchDialect;
  /** The dialect of the upstream that answers. */
  upstream: BenchDialect;
}

const arrow = "→";
export const SCENARIOS: Scenario[] = [
  { id: "direct openai", kind: "direct", client: "openai", upstream: "openai" },
  { id: "direct anthropic", kind: "direct", client: "anthropic", upstream: "anthropic" },
  { id: "direct gemini", kind: "direct", client: "gemini", upstream: "gemini" },
  { id: "limit-proxy openai", kind: "limit", client: "openai", upstream: "openai" },
  { id: "limit-proxy anthropic", kind: "limit", client: "anthropic", upstream: "anthropic" },
  { id: "limit-proxy gemini", kind: "limit", client: "gemini", upstream: "gemini" },
  { id: `passthrough openai${arrow}openai`, kind: "passthrough", client: "openai", upstream: "openai" },
  { id: `passthrough anthropic${arrow}anthropic`, kind: "passthrough", client: "anthropic", upstream: "anthropic" },
  { id: `conversion openai${arrow}anthropic`, kind: "conversion", client: "openai", upstream: "anthropic" },
  { id: `conversion anthropic${arrow}openai`, kind: "conversion", client: "anthropic", upstream: "openai" },
  { id: `conversion openai${arrow}gemini`, kind: "conversion", client: "openai", upstream: "gemini" },
  { id: `conversion anthropic${arrow}gemini`, kind: "conversion", client: "anthropic", upstream: "gemini" },
  { id: "direct responses", kind: "direct", client: "responses", upstream: "responses" },
  { id: "limit-proxy responses", kind: "limit", client: "responses", upstream: "responses" },
  { id: `passthrough responses${arrow}responses`, kind: "passthrough", client: "responses", upstream: "responses" },
  { id: `conversion responses${arrow}anthropic`, kind: "conversion", client: "responses", upstream: "anthropic" },
  { id: `conversion openai${arrow}responses`, kind: "conversion", client: "openai", upstream: "responses" },
  // Gemini clients (Gemini CLI, @google/genai): passthrough to a native Gemini account, and converted.
  { id: `passthrough gemini${arrow}gemini`, kind: "passthrough", client: "gemini", upstream: "gemini" },
  { id: `conversion gemini${arrow}anthropic`, kind: "conversion", client: "gemini", upstream: "anthropic" },
  { id: `conversion gemini${arrow}openai`, kind: "conversion", client: "gemini", upstream: "openai" },
];

export const isGateway = (s: Scenario) => s.kind === "passthrough" || s.kind === "conversion";

/** The model name that routes to the upstream of this dialect (gateway accounts serve `gpt-*` / `claude-*` / `gemini-*`). */
export const modelFor = (upstream: BenchDialect, suffix = "") =>
  ({ openai: "gpt-bench", gemini: "gemini-bench", anthropic: "claude-bench", responses: "resp-bench" } as const)[upstream] + suffix;

export interface Endpoints {
  direct: string;
  limit: string;
  gateway?: string;
  gatewayKey?: string;
}

/** The request of a scenario, ready for the load generator. */
export function requestFor(
  s: Scenario,
  stream: boolean,
  ep: Endpoints,
  modelSuffix = "",
): Pick<LoadOptions, "url" | "headers" | "body" | "stream" | "terminator"> {
  const base = s.kind === "direct" ? ep.direct : s.kind === "limit" ? ep.limit : ep.gateway;
  if (!base) throw new Error(`${s.id}: no gateway running`);
  const key = isGateway(s) ? ep.gatewayKey ?? "" : "dummy";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (s.client === "openai" || s.client === "responses") headers.authorization = `Bearer ${key}`;
  else if (s.client === "gemini") headers["x-goog-api-key"] = key;
  else {
    headers["x-api-key"] = key;
    headers["anthropic-version"] = "2023-06-01";
  }
  const model = modelFor(s.upstream, modelSuffix);
  return {
    url: base + endpointPath(s.client, model, stream),
    headers,
    body: JSON.stringify(requestBody(s.client, model, stream)),
    stream,
    terminator: stream ? streamTerminator(s.client) : undefined,
  };
}

export interface SuiteSettings {
  /** Connections of the throughput measurement. */
  connections: number;
  /** Per round: every scenario of a stream flag is measured once per round, rounds interleaved (see runSuite). */
  throughputMs: number;
  rounds: number;
  warmupMs: number;
  /** Measurement at concurrency 1. */
  latencyMs: number;
  latencyWarmupMs: number;
  /** Paced streams (events `pacedDelayMs` apart) at concurrency 1, for the time a proxy adds to a real stream; 0 skips. */
  pacedMs: number;
  pacedDelayMs: number;
}

export const FULL_SETTINGS: SuiteSettings = {
  connections: 64,
  throughputMs: 2000,
  rounds: 3,
  warmupMs: 500,
  latencyMs: 3000,
  latencyWarmupMs: 500,
  pacedMs: 3000,
  pacedDelayMs: 2,
};

export const CI_SETTINGS: SuiteSettings = {
  connections: 64,
  throughputMs: 1000,
  rounds: 3,
  warmupMs: 250,
  latencyMs: 1000,
  latencyWarmupMs: 300,
  pacedMs: 0,
  pacedDelayMs: 2,
};

export interface Measured {
  scenario: string;
  kind: ScenarioKind;
  client: BenchDialect;
  upstream: BenchDialect;
  stream: boolean;
  /** At `connections` connections: the median round. */
  throughput: LoadResult;
  /** Requests/s of each round, in round order (the same rounds as every other scenario of this stream flag). */
  rounds?: number[];
  /** At concurrency 1. */
  latency: LoadResult;
  /** Paced stream at concurrency 1 (streams only, when enabled). */
  paced?: LoadResult;
}

function check(r: LoadResult, what: string): LoadResult {
  if (r.ok === 0 || r.errors + r.non2xx > r.requests * 0.01) {
    throw new Error(`${what}: ${r.ok} ok, ${r.errors} errors, ${r.non2xx} non-2xx; ${r.samples.join(" | ")}`);
  }
  return r;
}

/** One throughput round of a scenario at `connections`. */
export async function measureThroughput(
  s: Scenario,
  stream: boolean,
  ep: Endpoints,
  set: SuiteSettings,
  load: (o: LoadOptions) => Promise<LoadResult> = runLoadInChild,
): Promise<LoadResult> {
  const req = requestFor(s, stream, ep);
  return check(
    await load({ ...req, connections: set.connections, durationMs: set.throughputMs, warmupMs: set.warmupMs }),
    `${s.id}${stream ? " stream" : ""} throughput`,
  );
}

/** Latency (and paced streams) of a scenario, with its throughput rounds measured before (runSuite). */
export async function measureScenario(
  s: Scenario,
  stream: boolean,
  ep: Endpoints,
  set: SuiteSettings,
  load: (o: LoadOptions) => Promise<LoadResult> = runLoadInChild,
  rounds?: LoadResult[],
): Promise<Measured> {
  const what = `${s.id}${stream ? " stream" : ""}`;
  const req = requestFor(s, stream, ep);
  rounds ??= [await measureThroughput(s, stream, ep, set, load)];
  const throughput = [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)]!;
  const latency = check(await load({ ...req, connections: 1, durationMs: set.latencyMs, warmupMs: set.latencyWarmupMs }), `${what} latency`);
  const m: Measured = { scenario: s.id, kind: s.kind, client: s.client, upstream: s.upstream, stream, throughput, rounds: rounds.map((r) => r.rps), latency };
  if (stream && set.pacedMs > 0) {
    const paced = requestFor(s, true, ep, `-d${set.pacedDelayMs}`);
    m.paced = check(await load({ ...paced, connections: 1, durationMs: set.pacedMs, warmupMs: 300 }), `${what} paced`);
  }
  return m;
}

export interface BenchServices {
  group: ProcessGroup;
  upstream: Service;
  limit: Service;
  gateway?: Service;
  setup?: GatewaySetup;
  endpoints: Endpoints;
  stop(): Promise<void>;
}

/**
 * Starts the fake upstream, the limit proxy and (when `gateway` is not false) the gateway, each its own process.
 * `stop()` ends them all and removes the gateway's temp directory.
 */
export async function startServices(opts: {
  gateway: false | "binary" | "source" | "auto";
  env?: Record<string, string>;
}): Promise<BenchServices> {
  const group = new ProcessGroup().trapSignals();
  const env = { ...process.env, ...opts.env };
  let setup: GatewaySetup | undefined;
  const stop = async () => {
    await group.stopAll();
    setup?.cleanup();
  };
  try {
    const upstream = await group.start("fake upstream", [bunPath, `${benchDir}/fake-upstream.ts`, "--port", "0"], { env });
    const limit = await group.start("limit proxy", [bunPath, `${benchDir}/limit-proxy.ts`, "--upstream", upstream.url, "--port", "0"], { env });
    const endpoints: Endpoints = { direct: upstream.url, limit: limit.url };
    let gateway: Service | undefined;
    if (opts.gateway !== false) {
      setup = setupGateway({ upstreamUrl: upstream.url, prefer: opts.gateway, extraEnv: opts.env });
      gateway = await group.start("gateway", setup.startArgs, { env: setup.env });
      endpoints.gateway = gateway.url;
      endpoints.gatewayKey = setup.key;
    }
    return { group, upstream, limit, gateway, setup, endpoints, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Replaces the gateway with a fresh process (same config): a memory figure then depends on the scenario alone,
 * not on what the throughput runs left in the heap and the connection pools.
 */
export async function restartGateway(svc: BenchServices): Promise<Service> {
  if (!svc.setup) throw new Error("no gateway to restart");
  await svc.gateway?.stop();
  const gateway = await svc.group.start("gateway", svc.setup.startArgs, { env: svc.setup.env });
  svc.gateway = gateway;
  svc.endpoints.gateway = gateway.url;
  return gateway;
}

/** Every scenario (gateway ones only when a gateway runs), non-stream then stream. */
export async function runSuite(
  ep: Endpoints,
  set: SuiteSettings,
  progress: (line: string) => void = () => {},
  scenarios: Scenario[] = SCENARIOS,
): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const stream of [false, true]) {
    const active = scenarios.filter((s) => !isGateway(s) || ep.gateway);
    // Throughput in interleaved rounds (every scenario once per round): the box's speed drifts over seconds, and a
    // ratio is then taken within each round, between measurements seconds apart (report.ts, computeRatios).
    const rounds = new Map<Scenario, LoadResult[]>(active.map((s) => [s, []]));
    for (let round = 0; round < set.rounds; round++) {
      for (const s of active) rounds.get(s)!.push(await measureThroughput(s, stream, ep, set));
    }
    for (const s of active) {
      const m = await measureScenario(s, stream, ep, set, runLoadInChild, rounds.get(s));
      progress(
        `${s.id}${stream ? " stream" : ""}: ${m.throughput.rps} req/s @${set.connections}, p50 ${m.latency.latency.p50} ms p99 ${m.latency.latency.p99} ms @1`,
      );
      out.push(m);
    }
  }
  return out;
}
