/**
 * Memory of the gateway process (VmRSS from /proc/<pid>/status):
 *  - with N concurrent slow streams held open (the fake upstream paces them, `-d<ms>` model suffix), spread over
 *    every gateway route; the fake upstream's own count of open streams shows they really were concurrent;
 *  - over many requests (every gateway route, stream and not), RSS after a warm-up against RSS at the end.
 */
import { SCENARIOS, isGateway, requestFor, type BenchServices } from "./scenarios.ts";
import { runLoadInChild, type LoadResult } from "./load.ts";
import { readRss } from "./processes.ts";
import type { FakeUpstreamStats } from "./fake-upstream.ts";
import type { BenchDialect } from "./fixtures.ts";

export interface StreamsMemory {
  concurrent: number;
  /** Size of each request body (0: the scenarios' small ones); coding agents send 50–200 KB. */
  requestBytes: number;
  /** Most streams the fake upstream saw open at once. */
  upstreamPeakOpen: number;
  delayMs: number;
  baselineRss: number;
  peakRss: number;
  /**
   * Median RSS while (nearly) all streams were open upstream: unlike the peak, which catches the garbage of a burst
   * of arrivals before a collection, this shows what open streams keep.
   */
  heldRss: number;
  /** RSS once all streams finished. */
  afterRss: number;
  ok: number;
  errors: number;
  /** Mean time to first byte, ms. */
  ttfbP50: number;
  ttfbP99: number;
  samples: string[];
}

export interface GrowthMemory {
  requests: number;
  warmupRequests: number;
  afterWarmupRss: number;
  finalRss: number;
  maxRss: number;
  /** (final - afterWarmup) / afterWarmup. */
  growth: number;
  /** RSS after each block of requests. */
  curve: { requests: number; rss: number }[];
  errors: number;
}

export interface MemoryResult {
  streams?: StreamsMemory;
  /** The same streams with coding-agent-sized requests: an open stream must not keep its request. */
  largeRequests?: StreamsMemory;
  growth?: GrowthMemory;
}

const gatewayScenarios = () => SCENARIOS.filter(isGateway);

async function upstreamStats(url: string): Promise<FakeUpstreamStats> {
  return (await (await fetch(`${url}/_stats`)).json()) as FakeUpstreamStats;
}

/** A request padded to about `bytes` with a long system prompt, as a coding agent's requests are. */
function padded(body: string, client: BenchDialect, bytes: number): string {
  if (bytes <= 0) return body;
  const json = JSON.parse(body) as { system?: string; messages: unknown[] };
  const prompt = "You are a careful assistant. ".repeat(Math.ceil(bytes / 29)).slice(0, bytes);
  if (client === "openai") json.messages.unshift({ role: "system", content: prompt });
  else json.system = prompt;
  return JSON.stringify(json);
}

export async function measureStreams(svc: BenchServices, concurrent = 1000, delayMs = 100, requestBytes = 0): Promise<StreamsMemory> {
  const pid = svc.gateway!.pid;
  const baselineRss = readRss(pid) ?? 0;
  const scenarios = gatewayScenarios();
  const per = Math.ceil(concurrent / scenarios.length);
  let peakRss = baselineRss;
  let upstreamPeakOpen = 0;
  let running = true;
  // Sample RSS and the upstream's open streams while the load runs (a bench loop, not a test: polling is fine).
  const held: number[] = [];
  const sampler = (async () => {
    while (running) {
      const rss = readRss(pid) ?? 0;
      peakRss = Math.max(peakRss, rss);
      const open = (await upstreamStats(svc.upstream.url)).activeStreams;
      upstreamPeakOpen = Math.max(upstreamPeakOpen, open);
      if (open >= concurrent * 0.95) held.push(rss);
      await Bun.sleep(50);
    }
  })();
  let results: LoadResult[];
  try {
    results = await Promise.all(
      scenarios.map((s) => {
        const req = requestFor(s, true, svc.endpoints, `-d${delayMs}`);
        return runLoadInChild({ ...req, body: padded(req.body!, s.client, requestBytes), connections: per, requests: per, timeoutMs: 60_000 });
      }),
    );
  } finally {
    running = false;
    await sampler;
  }
  const ttfb = results.map((r) => r.ttfb!);
  return {
    concurrent: per * scenarios.length,
    requestBytes,
    upstreamPeakOpen,
    delayMs,
    baselineRss,
    peakRss,
    heldRss: held.length ? held.sort((a, b) => a - b)[held.length >> 1]! : peakRss,
    afterRss: readRss(pid) ?? 0,
    ok: results.reduce((a, r) => a + r.ok, 0),
    errors: results.reduce((a, r) => a + r.errors + r.non2xx, 0),
    ttfbP50: Math.max(...ttfb.map((t) => t.p50)),
    ttfbP99: Math.max(...ttfb.map((t) => t.p99)),
    samples: results.flatMap((r) => r.samples).slice(0, 5),
  };
}

export async function measureGrowth(
  svc: BenchServices,
  total = 100_000,
  warmup = 10_000,
  connections = 64,
  progress: (line: string) => void = () => {},
): Promise<GrowthMemory> {
  const pid = svc.gateway!.pid;
  const combos = gatewayScenarios().flatMap((s) => [false, true].map((stream) => requestFor(s, stream, svc.endpoints)));
  const block = Math.ceil(warmup / combos.length);
  let done = 0;
  let errors = 0;
  const curve: { requests: number; rss: number }[] = [];
  const round = async () => {
    for (const c of combos) {
      const r = await runLoadInChild({ ...c, connections, requests: block });
      done += r.requests;
      errors += r.errors + r.non2xx;
    }
    curve.push({ requests: done, rss: readRss(pid) ?? 0 });
  };
  await round();
  const afterWarmupRss = curve[0]!.rss;
  while (done < total) {
    await round();
    progress(`${done} requests, RSS ${(curve.at(-1)!.rss / 2 ** 20).toFixed(1)} MB`);
  }
  const finalRss = curve.at(-1)!.rss;
  return {
    requests: done,
    warmupRequests: curve[0]!.requests,
    afterWarmupRss,
    finalRss,
    maxRss: Math.max(...curve.map((c) => c.rss)),
    growth: (finalRss - afterWarmupRss) / afterWarmupRss,
    curve,
    errors,
  };
}
