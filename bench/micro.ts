/**
 * Microbenchmarks of the converters alone, no network: SSE parsing (what a passthrough stream costs), stream
 * conversion in both directions (events/s, MB/s), request and response conversion (requests/s, JSON parse and
 * stringify included, as the gateway pays them). A regression in a converter shows here without the noise of
 * three processes sharing two cores.
 *
 *   bun bench/micro.ts [--duration-ms 1000] [--json]
 */
import { createSseParser } from "../src/transport/sse-parser.ts";
import { dialects } from "../src/dialects/index.ts";
import { createStreamConverter } from "../src/gateway/stream-converter.ts";
import type { DialectName } from "../src/dialects/types.ts";
import { requestBody, responseJson, streamEvents, streamTerminator, type BenchDialect } from "./fixtures.ts";

export interface MicroCase {
  name: string;
  opsPerSec: number;
  /** Streams: upstream events consumed per second. */
  eventsPerSec?: number;
  /** Input bytes per second, MB (10^6). */
  mbPerSecIn?: number;
  /** Output bytes (client side) per second, MB. */
  mbPerSecOut?: number;
}

export interface MicroResult {
  durationMs: number;
  cases: MicroCase[];
}

/** The bench's upstream dialects, and OpenAI Responses, whose inputs are made here from the Anthropic ones (micro only). */
type MicroDialect = BenchDialect | "responses";
const NAME: Record<MicroDialect, DialectName> = { openai: "openai-chat", anthropic: "anthropic-messages", gemini: "gemini", responses: "openai-responses" };
const MODEL: Record<MicroDialect, string> = { openai: "gpt-bench", anthropic: "claude-bench", gemini: "gemini-bench", responses: "gpt-bench" };
const terminator = (d: MicroDialect) => (d === "responses" ? "response.completed" : streamTerminator(d));

/** Responses inputs: the bench's Anthropic stream and answer, and its OpenAI request, in Responses form. */
function responsesInputs() {
  const R = dialects["openai-responses"];
  const A = dialects["anthropic-messages"];
  const parser = createSseParser();
  const decoder = A.streamDecoder();
  const encoder = R.streamEncoder({ model: MODEL.responses });
  const events: string[] = [];
  const add = (text: string) => {
    // One client event per chunk, as an upstream writes them.
    for (const part of text.split(/(?<=\n\n)/)) if (part) events.push(part);
  };
  for (const e of streamEvents("anthropic", MODEL.anthropic)) for (const ev of parser.push(e)) for (const c of decoder.push(ev)) add(encoder.push(c));
  for (const c of decoder.end()) add(encoder.push(c));
  // A client body in Responses form: the bench's OpenAI request as a Responses upstream would get it.
  const request = R.encodeRequest(dialects["openai-chat"].decodeRequest(requestBody("openai", MODEL.responses, true)), { model: MODEL.responses, defaultMaxTokens: 4096 });
  const response = R.encodeResponse(A.decodeResponse(responseJson("anthropic", MODEL.anthropic)), { model: MODEL.responses });
  return { events, request, response };
}

/** Runs `op` in batches for `ms` (after a warm-up of a fifth of that); returns ops/s. `sink` keeps results alive. */
function timeIt(op: () => number, ms: number): { opsPerSec: number; out: number } {
  let out = 0;
  const warmEnd = performance.now() + ms / 5;
  while (performance.now() < warmEnd) for (let i = 0; i < 16; i++) out += op();
  let n = 0;
  out = 0;
  const start = performance.now();
  let now = start;
  const end = start + ms;
  while (now < end) {
    for (let i = 0; i < 16; i++) out += op();
    n += 16;
    now = performance.now();
  }
  return { opsPerSec: (n / (now - start)) * 1000, out: out / n };
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

export function runMicro(durationMs = 1000): MicroResult {
  const enc = new TextEncoder();
  const cases: MicroCase[] = [];

  // One upstream stream as network chunks, one event per chunk (as a paced upstream delivers it).
  const chunks = (d: BenchDialect) => streamEvents(d, MODEL[d]).map((e) => enc.encode(e));
  const responses = responsesInputs();
  const streamIn: Record<MicroDialect, { chunks: Uint8Array[]; bytes: number; events: number }> = {
    openai: { chunks: chunks("openai"), bytes: 0, events: 0 },
    anthropic: { chunks: chunks("anthropic"), bytes: 0, events: 0 },
    gemini: { chunks: chunks("gemini"), bytes: 0, events: 0 },
    responses: { chunks: responses.events.map((e) => enc.encode(e)), bytes: 0, events: 0 },
  };
  for (const s of Object.values(streamIn)) {
    s.bytes = s.chunks.reduce((a, c) => a + c.length, 0);
    s.events = s.chunks.length;
  }

  for (const d of ["openai", "anthropic"] as const) {
    const s = streamIn[d];
    const r = timeIt(() => {
      const p = createSseParser();
      let n = 0;
      for (const c of s.chunks) n += p.push(c).length;
      return n + p.end().length;
    }, durationMs);
    if (Math.round(r.out) !== s.events) throw new Error(`sse parse ${d}: ${r.out} events, expected ${s.events}`);
    cases.push({
      name: `stream passthrough ${d} (SSE parse)`,
      opsPerSec: round(r.opsPerSec),
      eventsPerSec: Math.round(r.opsPerSec * s.events),
      mbPerSecIn: round((r.opsPerSec * s.bytes) / 1e6),
      mbPerSecOut: round((r.opsPerSec * s.bytes) / 1e6),
    });
  }

  for (const [from, to] of [
    ["anthropic", "openai"], ["openai", "anthropic"], ["gemini", "openai"], ["gemini", "anthropic"], ["openai", "gemini"], ["anthropic", "gemini"],
    ["anthropic", "responses"], ["openai", "responses"], ["responses", "openai"], ["responses", "anthropic"],
  ] as const) {
    const s = streamIn[from];
    const decoderOf = dialects[NAME[from]];
    const encoderOf = dialects[NAME[to]];
    // The gateway's own conversion path (src/gateway/stream-converter.ts), raw lane included.
    const convert = (): string => {
      const c = createStreamConverter(createSseParser(), decoderOf.streamDecoder(), encoderOf.streamEncoder({ model: MODEL[to], includeUsage: true }));
      let out = "";
      for (const chunk of s.chunks) out += c.chunk(chunk);
      return out + c.end().text;
    };
    const sample = convert();
    if (!sample.includes(terminator(to))) throw new Error(`stream ${from}→${to}: output lacks ${terminator(to)}`);
    const outBytes = enc.encode(sample).length;
    const r = timeIt(() => enc.encode(convert()).length, durationMs);
    cases.push({
      name: `stream ${from} upstream→${to} client`,
      opsPerSec: round(r.opsPerSec),
      eventsPerSec: Math.round(r.opsPerSec * s.events),
      mbPerSecIn: round((r.opsPerSec * s.bytes) / 1e6),
      mbPerSecOut: round((r.opsPerSec * outBytes) / 1e6),
    });
  }

  // Only conversions: same-dialect requests are piped as bytes, no encoder runs for them.
  for (const [client, upstream] of [["openai", "anthropic"], ["anthropic", "openai"], ["openai", "gemini"], ["gemini", "anthropic"], ["responses", "anthropic"], ["responses", "openai"]] as const) {
    const text = JSON.stringify(client === "responses" ? responses.request : requestBody(client, MODEL[upstream], true));
    const cd = dialects[NAME[client]];
    const ud = dialects[NAME[upstream]];
    // A Gemini client names the model and streaming in the URL.
    const urlCtx = { model: MODEL[upstream], stream: true };
    const r = timeIt(() => {
      const canonical = cd.decodeRequest(JSON.parse(text), urlCtx);
      return JSON.stringify(ud.encodeRequest(canonical, { model: MODEL[upstream], defaultMaxTokens: 4096 })).length;
    }, durationMs);
    cases.push({
      name: `request ${client} client→${upstream} upstream`,
      opsPerSec: round(r.opsPerSec),
      mbPerSecIn: round((r.opsPerSec * text.length) / 1e6),
      mbPerSecOut: round((r.opsPerSec * r.out) / 1e6),
    });
  }

  for (const [upstream, client] of [["anthropic", "openai"], ["openai", "anthropic"], ["gemini", "openai"], ["gemini", "anthropic"], ["anthropic", "responses"], ["openai", "responses"], ["responses", "anthropic"]] as const) {
    const text = JSON.stringify(upstream === "responses" ? responses.response : responseJson(upstream, MODEL[upstream]));
    const ud = dialects[NAME[upstream]];
    const cd = dialects[NAME[client]];
    const r = timeIt(() => {
      const canonical = ud.decodeResponse(JSON.parse(text));
      return JSON.stringify(cd.encodeResponse(canonical, { model: MODEL[upstream] })).length;
    }, durationMs);
    cases.push({
      name: `response ${upstream} upstream→${client} client`,
      opsPerSec: round(r.opsPerSec),
      mbPerSecIn: round((r.opsPerSec * text.length) / 1e6),
      mbPerSecOut: round((r.opsPerSec * r.out) / 1e6),
    });
  }
  return { durationMs, cases };
}

/** Runs the microbench in a child process (fresh JIT and heap, away from the orchestrator's work). */
export async function runMicroInChild(durationMs: number): Promise<MicroResult> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--duration-ms", String(durationMs), "--json"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`micro exited ${code}: ${err.trim()}`);
    return JSON.parse(out) as MicroResult;
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--duration-ms");
  const res = runMicro(i >= 0 ? Number(args[i + 1]) : 1000);
  if (args.includes("--json")) console.log(JSON.stringify(res));
  else {
    const { formatMicro } = await import("./report.ts");
    console.log(formatMicro(res));
  }
}
