/**
 * An in-process fault-injecting upstream (a fetch function), for the 20,000-request soak: the same faults as the
 * socket fake (test/fakes/fault-upstream.ts) without a TCP connection per request, so the soak measures the
 * gateway rather than the kernel. Faults are drawn per attempt from a seeded generator, so a run is repeatable.
 */
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";

export type SoakFault = "ok" | "429" | "529" | "500" | "503" | "reset" | "hang" | "malformed-json" | "malformed-sse" | "cut-stream" | "reset-mid-stream";

/** Share of each fault per attempt; the rest is "ok". */
export type FaultMix = Partial<Record<Exclude<SoakFault, "ok">, number>>;

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickFault(mix: FaultMix, r: number): SoakFault {
  let acc = 0;
  for (const [fault, share] of Object.entries(mix)) {
    acc += share!;
    if (r < acc) return fault as SoakFault;
  }
  return "ok";
}

const enc = new TextEncoder();

export function faultFetch(next: () => SoakFault, counts: Record<string, number> = {}): FetchFn {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const anthropic = new URL(url).pathname.endsWith("/messages");
    const body = JSON.parse(String(init?.body ?? "{}")) as { model: string; stream?: boolean };
    const fault = next();
    counts[fault] = (counts[fault] ?? 0) + 1;
    const error = (status: number, type: string) =>
      Response.json(anthropic ? { type: "error", error: { type, message: type } } : { error: { message: type, type, param: null, code: null } }, {
        status,
        headers: status === 429 ? { "retry-after": "0" } : {},
      });
    const events = sse(anthropic, body.model);
    const stream = (chunks: string[], end: "close" | "error") =>
      new Response(
        // One chunk per pull: erroring a stream drops what is still queued, and the reset must come after them.
        new ReadableStream<Uint8Array>(
          {
            pull(c) {
              const e = chunks.shift();
              if (e !== undefined) c.enqueue(enc.encode(e));
              else if (end === "close") c.close();
              else c.error(new TypeError("socket reset"));
            },
          },
          { highWaterMark: 0 },
        ),
        { headers: { "content-type": "text/event-stream" } },
      );
    switch (fault) {
      case "429":
        return error(429, "rate_limit_error");
      case "529":
        return error(529, "overloaded_error");
      case "500":
        return error(500, "api_error");
      case "503":
        return error(503, "overloaded_error");
      case "reset":
        throw Object.assign(new TypeError("fetch failed"), { code: "ECONNRESET" });
      case "hang":
        return new Promise<Response>((_, reject) => {
          const signal = init?.signal;
          if (signal?.aborted) return reject(signal.reason);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      case "malformed-json":
        return new Response('{"id":"x","choices":[{"message":{"content":"unterminated', { headers: { "content-type": "application/json" } });
      case "malformed-sse":
        return stream([anthropic ? 'event: message_start\ndata: {"type":"message_start","message":{oops\n\n' : 'data: {"id":"x","choices":[{oops\n\n'], "close");
      case "cut-stream":
        return body.stream ? stream(events.slice(0, -2), "close") : new Response(events.slice(0, 2).join(""), { headers: { "content-type": "application/json" } });
      case "reset-mid-stream":
        return body.stream ? stream(events.slice(0, 2), "error") : stream([], "error");
      case "ok":
        if (body.stream) return stream(events, "close");
        return Response.json(
          anthropic
            ? { id: "msg_1", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: "soak answer" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 2 } }
            : { id: "c1", object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: "soak answer" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
        );
    }
  };
}

function sse(anthropic: boolean, model: string): string[] {
  if (anthropic) {
    const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    return [
      ev("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "soak " } }),
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "answer" } }),
      ev("content_block_stop", { index: 0 }),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } }),
      ev("message_stop", {}),
    ];
  }
  const base = { id: "c1", object: "chat.completion.chunk", created: 1, model };
  const d = (choices: unknown[]) => `data: ${JSON.stringify({ ...base, choices })}\n\n`;
  return [
    d([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
    d([{ index: 0, delta: { content: "soak " }, finish_reason: null }]),
    d([{ index: 0, delta: { content: "answer" }, finish_reason: null }]),
    d([{ index: 0, delta: {}, finish_reason: "stop" }]),
    "data: [DONE]\n\n",
  ];
}
