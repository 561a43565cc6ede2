import type { FetchFn } from "../../src/transport/upstream-fetch.ts";

/**
 * An in-process fake of OpenAI- and Anthropic-shaped upstreams that report known token counts, for usage and
 * budget tests: a FetchFn handed to startServer/testApp (no sockets). The host picks nothing: the path does
 * (`…/chat/completions` OpenAI Chat, `…/completions` OpenAI's legacy Completions, `…/messages` Anthropic), JSON or
 * SSE by the body's `stream` (a model ending in `-chunked` streams one event per read). A host can be made to
 * answer 500 (`fail`) to force a failover, or to refuse any `stream_options` with a 400 (`rejectsStreamOptions`,
 * as some old OpenAI-compatible servers do). Every answer reports USAGE in its own dialect (OpenAI streams only
 * when the request asked with stream_options.include_usage, as OpenAI does). Every request is recorded.
 */
export const USAGE = { input: 100, output: 20, cacheRead: 30, cacheWrite: 10, reasoning: 5 } as const;

/** The canonical counts a request through the gateway records for USAGE, by the upstream's dialect. */
export const RECORDED = {
  openai: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 0, reasoningTokens: 5 },
  // Anthropic's input_tokens is the uncached part: the canonical input adds cache reads and writes.
  anthropic: { inputTokens: 140, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 10, reasoningTokens: 0 },
} as const;

export interface UsageUpstream {
  fetch: FetchFn;
  /** Hosts (`oa1.test`) that answer 500 until allowed again. */
  fail: Set<string>;
  /** Hosts that answer 400 to a body with `stream_options`. */
  rejectsStreamOptions: Set<string>;
  /** Requests seen, by host. */
  seen: string[];
  /** Every request's path and body text, in order. */
  requests: { host: string; path: string; body: string }[];
}

/** SSE in one piece, or (a model ending in `-chunked`) one event per read, so the gateway streams it as it comes. */
const sse = (lines: string[], chunked = false) => {
  if (!chunked) return new Response(lines.join(""), { headers: { "content-type": "text/event-stream" } });
  const enc = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      await Promise.resolve();
      if (i < lines.length) c.enqueue(enc.encode(lines[i++]!));
      else c.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
};

export function usageUpstream(): UsageUpstream {
  const fail = new Set<string>();
  const rejectsStreamOptions = new Set<string>();
  const seen: string[] = [];
  const requests: UsageUpstream["requests"] = [];
  const fetch = (async (input: Request | string | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    seen.push(url.host);
    if (fail.has(url.host)) {
      return Response.json({ error: { message: "upstream broke", type: "server_error" } }, { status: 500 });
    }
    const text = String(init?.body);
    requests.push({ host: url.host, path: url.pathname, body: text });
    const body = JSON.parse(text) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
    const model = body.model;
    if (rejectsStreamOptions.has(url.host) && "stream_options" in body) {
      return Response.json({ error: { message: "stream_options: extra fields not permitted", type: "invalid_request_error" } }, { status: 400 });
    }
    const openaiUsage = {
      prompt_tokens: USAGE.input,
      completion_tokens: USAGE.output,
      total_tokens: USAGE.input + USAGE.output,
      prompt_tokens_details: { cached_tokens: USAGE.cacheRead },
      completion_tokens_details: { reasoning_tokens: USAGE.reasoning },
    };
    if (url.pathname.endsWith("/chat/completions")) {
      const usage = openaiUsage;
      const base = { id: "chatcmpl-1", created: 1, model };
      if (!body.stream) {
        return Response.json({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }],
          usage,
        });
      }
      const chunk = (o: object) => `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", ...o })}\n\n`;
      const lines = [
        chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: { content: "hello" }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
      ];
      if (body.stream_options?.include_usage) lines.push(chunk({ choices: [], usage }));
      lines.push("data: [DONE]\n\n");
      return sse(lines, model.endsWith("-chunked"));
    }
    if (url.pathname.endsWith("/completions")) {
      const base = { id: "cmpl-1", object: "text_completion", created: 1, model };
      if (!body.stream) return Response.json({ ...base, choices: [{ index: 0, text: "hello", logprobs: null, finish_reason: "stop" }], usage: openaiUsage });
      const chunk = (o: object) => `data: ${JSON.stringify({ ...base, ...o })}\n\n`;
      const lines = [
        chunk({ choices: [{ index: 0, text: "hel", logprobs: null, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, text: "lo", logprobs: null, finish_reason: "stop" }] }),
      ];
      if (body.stream_options?.include_usage) lines.push(chunk({ choices: [], usage: openaiUsage }));
      lines.push("data: [DONE]\n\n");
      return sse(lines, model.endsWith("-chunked"));
    }
    if (url.pathname.endsWith("/messages")) {
      const usage = {
        input_tokens: USAGE.input,
        output_tokens: USAGE.output,
        cache_read_input_tokens: USAGE.cacheRead,
        cache_creation_input_tokens: USAGE.cacheWrite,
      };
      const message = { id: "msg_1", type: "message", role: "assistant", model, stop_sequence: null };
      if (!body.stream) return Response.json({ ...message, content: [{ type: "text", text: "hello" }], stop_reason: "end_turn", usage });
      const ev = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
      return sse([
        ev("message_start", { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }),
        ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
        ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "hello" } }),
        ev("content_block_stop", { index: 0 }),
        ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: USAGE.output } }),
        ev("message_stop", {}),
      ], model.endsWith("-chunked"));
    }
    return Response.json({ error: { message: `no such path ${url.pathname}` } }, { status: 404 });
  }) as FetchFn;
  return { fetch, fail, rejectsStreamOptions, seen, requests };
}
