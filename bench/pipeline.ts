/**
 * The gateway's own per-request work, in process and without a network: the real app (auth with a rate-limited
 * key, the router, failover bookkeeping, conversion, usage accounting, the access log formatted into a discarding
 * sink) answering `app.handle(Request)`, with a fetch that hands back canned upstream answers at once. What is left
 * is the JavaScript a request costs, the steadiest figure for an A/B of a hot-path change (the load scenarios move
 * ±10 points with the box; this moves a few percent). It does not see Bun's server and client sockets.
 *
 *   bun bench/pipeline.ts [--duration-ms 1500] [--only conversion] [--stream|--no-stream]
 *
 * PIPE_NO_LOG=1 (access log at warn) and PIPE_NO_RPM=1 (a key without a rate limit) measure without those features;
 * PIPE_LEDGER=1 with the usage ledger on (SQLite in a temp folder, its store on its worker thread: what the
 * gateway's thread pays for it shows here, the worker's CPU does not). Without it the rows go to the in-memory
 * spend figures only, as with `usage.enabled: false`.
 * `pipelineApp()` is the same app for other experiments (behind a real Bun.serve, say).
 */
import { Value } from "@sinclair/typebox/value";
import { Config, type UpstreamAccount } from "../src/config/schema.ts";
import { generateGatewayKey, hashKey } from "../src/config/secrets.ts";
import { mockFetch } from "../src/providers/mock.ts";
import { createRouter } from "../src/routing/router.ts";
import { createApp } from "../src/server/create-app.ts";
import { createLogger } from "../src/server/logger.ts";
import { routingOptionsFromConfig } from "../src/runtime/routing-options-from-config.ts";
import { createMemoryStore } from "../src/state/memory-store.ts";
import type { FetchFn } from "../src/transport/upstream-fetch.ts";
import { createUsageMeter } from "../src/usage/usage-meter.ts";
import { openUsageLedger } from "../src/usage/ledger/ledger-from-config.ts";
import { livePriceTable } from "../src/usage/prices/price-table.ts";
import { createUsageRecorder } from "../src/usage/usage-recorder.ts";
import { silentLogger } from "../src/server/logger.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endpointPath, requestBody, responseJson, streamEvents, type BenchDialect } from "./fixtures.ts";

export interface PipelineCase {
  name: string;
  /** µs of JavaScript per request: the fastest of seven interleaved samples of a sequential loop. */
  usPerRequest: number;
}

const MODEL: Record<BenchDialect, string> = { openai: "gpt-bench", anthropic: "claude-bench", gemini: "gemini-bench", responses: "resp-bench" };
/** `noUsage`: streams only, the client asks for no `stream_options.include_usage` (the gateway asks on its behalf). */
const CASES: { name: string; client: BenchDialect; upstream: BenchDialect; noUsage?: true }[] = [
  { name: "passthrough openai→openai", client: "openai", upstream: "openai" },
  { name: "passthrough openai→openai", client: "openai", upstream: "openai", noUsage: true },
  { name: "passthrough anthropic→anthropic", client: "anthropic", upstream: "anthropic" },
  { name: "conversion openai→anthropic", client: "openai", upstream: "anthropic" },
  { name: "conversion anthropic→openai", client: "anthropic", upstream: "openai" },
  { name: "conversion openai→gemini", client: "openai", upstream: "gemini" },
  { name: "conversion responses→anthropic", client: "responses", upstream: "anthropic" },
  { name: "conversion openai→responses", client: "openai", upstream: "responses" },
  { name: "passthrough gemini→gemini", client: "gemini", upstream: "gemini" },
  { name: "conversion gemini→anthropic", client: "gemini", upstream: "anthropic" },
];

function account(id: string, provider: UpstreamAccount["provider"], baseUrl: string, models: string[]): UpstreamAccount {
  return { id, name: id, type: "api-key", provider, base_url: baseUrl, models, weight: 1, priority: 0, status: "active", created_at: new Date(0).toISOString() };
}

/** Canned upstream answers, one body per dialect and stream flag, built once (as the fake upstream does). */
function cannedFetch(): FetchFn {
  const bodies = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  for (const d of ["openai", "anthropic", "gemini", "responses"] as const) {
    bodies.set(`${d}:false`, enc.encode(JSON.stringify(responseJson(d, MODEL[d]))));
    bodies.set(`${d}:true`, enc.encode(streamEvents(d, MODEL[d]).join("")));
  }
  // As OpenAI does: the usage chunk only when the request asked for it.
  bodies.set("openai:true:no-usage", enc.encode(streamEvents("openai", MODEL.openai).filter((e) => !e.includes('"choices":[]')).join("")));
  const json = { "content-type": "application/json" };
  const sse = { "content-type": "text/event-stream" };
  return (async (input: Request | string, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input.url;
    // Gemini's endpoint says the model and streaming in the URL.
    const gemini = url.includes(":generateContent") || url.includes(":streamGenerateContent");
    const dialect: BenchDialect = gemini ? "gemini" : url.endsWith("/messages") ? "anthropic" : url.endsWith("/responses") ? "responses" : "openai";
    const stream = gemini ? url.includes(":streamGenerateContent") : String(init?.body).includes('"stream":true');
    const text = String(init?.body);
    const noUsage = dialect === "openai" && stream && !text.includes('"include_usage":true');
    const body = bodies.get(`${dialect}:${stream}${noUsage ? ":no-usage" : ""}`)!;
    // As a server sends them: a JSON answer with its length, a stream without.
    return new Response(body, { headers: stream ? sse : { ...json, "content-length": String(body.length) } });
  }) as FetchFn;
}

export function pipelineApp() {
  const raw = generateGatewayKey();
  const config: Config = {
    ...(Value.Default(Config, {}) as Config),
    gateway_keys: [
      {
        id: "key_bench", name: "bench", key_hash: hashKey(raw), key_prefix: raw.slice(0, 12), permissions: ["read", "write"],
        status: "active", created_at: new Date(0).toISOString(), ...(process.env.PIPE_NO_RPM ? {} : { rate_limit_rpm: 1_000_000_000 }),
      },
    ],
    upstream_accounts: [
      account("up_oa", "openai-compatible", "http://upstream.bench/v1", ["gpt-*"]),
      account("up_an", "anthropic", "http://upstream.bench", ["claude-*"]),
      account("up_gm", "gemini", "http://upstream.bench", ["gemini-*"]),
      { ...account("up_rs", "openai-compatible", "http://upstream.bench/v1", ["resp-*"]), responses_models: ["*"] },
    ],
  };
  const clock = Date.now;
  const usage = createUsageMeter();
  const router = createRouter({ clock, options: routingOptionsFromConfig(config.routing) });
  let logged = 0;
  const dir = process.env.PIPE_LEDGER ? mkdtempSync(join(tmpdir(), "pipeline-ledger-")) : undefined;
  const ledger = dir ? openUsageLedger({ usage: config.usage, configPath: join(dir, "config.yaml"), logger: silentLogger }) : undefined;
  const state = createMemoryStore(clock);
  const recorder = createUsageRecorder({ meter: usage, prices: livePriceTable(() => config.usage.prices), ledger, state, clock });
  const app = createApp({
    config: () => config,
    state,
    recorder,
    log: createLogger({ level: process.env.PIPE_NO_LOG ? "warn" : "info", format: "json", sink: { write: (s) => void (logged += s.length) }, clock }),
    clock,
    version: "bench",
    startedAt: clock(),
    usage,
    accountHealth: () => [],
    proxy: { config: () => config, router, fetch: cannedFetch(), mockFetch: mockFetch as FetchFn, credential: () => "dummy", clock },
  });
  const close = async () => {
    await ledger?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  return { app, raw, logged: () => logged, close };
}

export async function runPipeline(opts: { durationMs?: number; only?: string; streams?: boolean[] } = {}): Promise<PipelineCase[]> {
  const durationMs = opts.durationMs ?? 1500;
  const { app, raw, logged, close } = pipelineApp();

  const runs: { name: string; one: () => Promise<number>; samples: number[] }[] = [];
  for (const stream of opts.streams ?? [false, true]) {
    for (const c of CASES) {
      if (opts.only && !c.name.includes(opts.only)) continue;
      if (c.noUsage && !stream) continue;
      const name = `${c.name}${stream ? " stream" : ""}${c.noUsage ? ", usage not asked" : ""}`;
      const request = requestBody(c.client, MODEL[c.upstream], stream);
      if (c.noUsage) delete request.stream_options;
      const body = JSON.stringify(request);
      const headers: Record<string, string> = c.client === "openai" || c.client === "responses"
        ? { authorization: `Bearer ${raw}`, "content-type": "application/json" }
        : c.client === "gemini"
          ? { "x-goog-api-key": raw, "content-type": "application/json" }
          : { "x-api-key": raw, "anthropic-version": "2023-06-01", "content-type": "application/json" };
      // Gemini names the model in the URL: the upstream's name routes it there.
      const url = `http://gateway.bench${endpointPath(c.client, MODEL[c.upstream], stream)}`;
      const one = async () => {
        const res = await app.handle(new Request(url, { method: "POST", headers, body }));
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${text.slice(0, 300)}`);
        return text.length;
      };
      runs.push({ name, one, samples: [] });
    }
  }
  /** µs per request over a sequential loop of about `ms`. */
  const loop = async (one: () => Promise<number>, ms: number) => {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 32; i++) await one();
      n += 32;
      now = performance.now();
    }
    return ((now - start) * 1000) / n;
  };
  // Warm-up (JIT, heap sizing), then short samples with the cases interleaved: the box's drift hits all of them
  // alike, and the fastest sample of each (the one least disturbed by GC and neighbours) is its figure.
  for (const r of runs) await loop(r.one, Math.min(500, durationMs / 3));
  const rounds = 7;
  for (let i = 0; i < rounds; i++) for (const r of runs) r.samples.push(await loop(r.one, durationMs / rounds));
  const out: PipelineCase[] = runs.map((r) => ({ name: r.name, usPerRequest: Math.round(Math.min(...r.samples) * 100) / 100 }));
  await close();
  if (logged() === 0 && !process.env.PIPE_NO_LOG) throw new Error("the access log wrote nothing: the bench must measure it");
  return out;
}

/** The pipeline bench in a fresh process (no JIT state or heap shared with the caller); same cases, as JSON. */
export async function runPipelineInChild(durationMs: number): Promise<PipelineCase[]> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--duration-ms", String(durationMs), "--json"], { stdout: "pipe", stderr: "pipe" });
  try {
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`pipeline exited ${code}: ${err.trim().slice(-500)}`);
    return JSON.parse(out) as PipelineCase[];
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

export function formatPipeline(cases: PipelineCase[]): string {
  const width = Math.max(...cases.map((c) => c.name.length));
  return ["gateway JavaScript per request, in process (bench/pipeline.ts)", ...cases.map((c) => `  ${c.name.padEnd(width)}  ${c.usPerRequest.toFixed(2).padStart(6)} µs`)].join("\n");
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const get = (n: string) => {
    const i = args.indexOf(`--${n}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const streams = args.includes("--stream") ? [true] : args.includes("--no-stream") ? [false] : undefined;
  const cases = await runPipeline({ durationMs: Number(get("duration-ms") ?? 1500), only: get("only"), streams });
  console.log(args.includes("--json") ? JSON.stringify(cases) : formatPipeline(cases));
}
