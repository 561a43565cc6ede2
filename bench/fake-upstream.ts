/**
 * A fast fake LLM upstream, run in its own process so its CPU shows up apart from the gateway's:
 *
 *   bun bench/fake-upstream.ts --port 0 [--host 127.0.0.1] [--latency-ms N] [--chunk-delay-ms N]
 *
 * Prints `fake upstream listening on http://HOST:PORT`. Serves POST /v1/chat/completions (OpenAI) and
 * POST /v1/messages (Anthropic), JSON or a STREAM_EVENTS-event SSE stream by the body's `stream` flag, the model
 * echoed back. Answers are built once per (dialect, model, stream) and cached, so a request costs one JSON.parse of
 * the body and one write. `--latency-ms` delays every answer; `--chunk-delay-ms` paces stream events (one write
 * per event). A model name ending in `-d<N>` (`gpt-bench-d100`) paces that stream at N ms per event, so one
 * process serves both fast traffic and slow streams (the memory scenario) without a second upstream.
 * GET /health answers `ok`; GET /_stats reports requests served and streams open now / at peak.
 */
import { endpointPath, responseJson, streamEvents, type BenchDialect } from "./fixtures.ts";

export interface FakeUpstreamOptions {
  host?: string;
  port?: number;
  latencyMs?: number;
  chunkDelayMs?: number;
}

export interface FakeUpstreamStats {
  requests: number;
  activeStreams: number;
  peakActiveStreams: number;
}

export interface FakeUpstream {
  url: string;
  stats(): FakeUpstreamStats;
  stop(): void;
}

interface Prepared {
  json: Uint8Array;
  events: Uint8Array[];
  whole: Uint8Array;
}

const JSON_HEADERS = { "content-type": "application/json" };
const GEMINI_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

export function startFakeUpstream(opts: FakeUpstreamOptions = {}): FakeUpstream {
  const enc = new TextEncoder();
  const cache = new Map<string, Prepared>();
  const latencyMs = opts.latencyMs ?? 0;
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
  const stats: FakeUpstreamStats = { requests: 0, activeStreams: 0, peakActiveStreams: 0 };

  const prepared = (dialect: BenchDialect, model: string): Prepared => {
    const key = `${dialect}\u0000${model}`;
    let p = cache.get(key);
    if (!p) {
      const events = streamEvents(dialect, model);
      p = {
        json: enc.encode(JSON.stringify(responseJson(dialect, model))),
        events: events.map((e) => enc.encode(e)),
        whole: enc.encode(events.join("")),
      };
      // Bounded: a bench uses a handful of model names; a stray client cannot grow it without limit.
      if (cache.size < 1000) cache.set(key, p);
    }
    return p;
  };

  const pacedStream = (events: Uint8Array[], delayMs: number): ReadableStream => {
    stats.activeStreams++;
    if (stats.activeStreams > stats.peakActiveStreams) stats.peakActiveStreams = stats.activeStreams;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        stats.activeStreams--;
      }
    };
    return new ReadableStream({
      type: "direct",
      async pull(controller: ReadableStreamDirectController) {
        try {
          for (let i = 0; i < events.length; i++) {
            if (i > 0) await Bun.sleep(delayMs);
            controller.write(events[i]!);
            await controller.flush();
          }
        } finally {
          finish();
          controller.close();
        }
      },
      cancel: finish,
    } satisfies import("bun").DirectUnderlyingSource);
  };

  /** `url`: Gemini's endpoint names the model and streaming (`/v1beta/models/{model}:streamGenerateContent`). */
  const answer = async (req: Request, dialect: BenchDialect, url?: { model: string; stream: boolean }): Promise<Response> => {
    let body: { model?: unknown; stream?: unknown };
    try {
      body = (await req.json()) as typeof body;
    } catch {
      return Response.json({ error: { type: "invalid_request_error", message: "body is not JSON" } }, { status: 400 });
    }
    stats.requests++;
    const model = url?.model ?? (typeof body.model === "string" ? body.model : "unknown");
    const p = prepared(dialect, model);
    if (latencyMs > 0) await Bun.sleep(latencyMs);
    if ((url?.stream ?? body.stream) !== true) return new Response(p.json, { headers: JSON_HEADERS });
    const m = /-d(\d+)$/.exec(model);
    const delay = m ? Number(m[1]) : chunkDelayMs;
    if (delay > 0) return new Response(pacedStream(p.events, delay), { headers: SSE_HEADERS });
    return new Response(p.whole, { headers: SSE_HEADERS });
  };

  const openaiPath = endpointPath("openai");
  const anthropicPath = endpointPath("anthropic");
  const responsesPath = endpointPath("responses");
  const server = Bun.serve({
    hostname: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    idleTimeout: 0,
    fetch(req) {
      const path = req.url.slice(req.url.indexOf("/", 8)).split("?")[0]!;
      if (req.method === "POST") {
        if (path === openaiPath) return answer(req, "openai");
        if (path === anthropicPath) return answer(req, "anthropic");
        if (path === responsesPath) return answer(req, "responses");
        const gemini = GEMINI_PATH.exec(path);
        if (gemini) return answer(req, "gemini", { model: gemini[1]!, stream: gemini[2] === "streamGenerateContent" });
      }
      if (path === "/health") return new Response("ok");
      if (path === "/_stats") return Response.json(stats);
      return new Response("not found", { status: 404 });
    },
  });

  return {
    url: `http://${server.hostname}:${server.port}`,
    stats: () => ({ ...stats }),
    stop: () => server.stop(true),
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const up = startFakeUpstream({
    host: flag(args, "host"),
    port: Number(flag(args, "port") ?? 0),
    latencyMs: Number(flag(args, "latency-ms") ?? 0),
    chunkDelayMs: Number(flag(args, "chunk-delay-ms") ?? 0),
  });
  console.log(`fake upstream listening on ${up.url}`);
  const stop = () => {
    up.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
