import type { DialectName, SseEvent, StreamDecoder, StreamEncoder } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import type { Usage } from "../canonical/model.ts";
import { createSseParser } from "../transport/sse-parser.ts";
import { usageFromEvents } from "../usage/usage-from-wire.ts";
import type { StartedStream } from "./first-event.ts";
import { createStreamConverter } from "./stream-converter.ts";
import { createUsageChunkDropper, isUsageOnlyChunk, withoutUsageChunk } from "./stream-usage.ts";

export interface StreamEnd {
  /** The upstream's terminator arrived (or the converted stream finished cleanly). */
  completed: boolean;
  error?: GatewayError;
  /** The client went away. */
  cancelled?: boolean;
  /** Tokens the upstream reported, when it did. */
  usage?: Usage;
}

interface Common {
  /** SSE text of an in-stream error, in the client's dialect. */
  errorEvent(err: GatewayError): string;
  onEnd(end: StreamEnd): void;
}

/** Bun's "direct" stream: the body is written straight to the socket, without a queue between reads. */
interface DirectController {
  write(chunk: Uint8Array | string): number | Promise<number>;
  flush(): number | Promise<number>;
  close(): void;
}

/** OpenAI Responses events that end a stream (`response.done`: some third-party servers; `error`: a failure). */
const RESPONSES_END = new Set(["response.completed", "response.incomplete", "response.failed", "response.done", "error"]);
const LEADING_TYPE = /^\{\s*"type"\s*:\s*"([^"\\]*)"/;

const wholeJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * The event that ends a complete stream: Anthropic's `message_stop` (or `error`), OpenAI's `[DONE]`, a Responses
 * terminal event, Gemini's chunk with a `finishReason` (or an error chunk, or a blocked prompt's feedback): Gemini
 * has no terminator of its own.
 */
export const isTerminator = (dialect: DialectName, ev: SseEvent) => {
  if (dialect === "anthropic-messages") return ev.event === "message_stop" || ev.event === "error";
  if (dialect === "gemini") return isFinalGeminiChunk(ev.data);
  if (dialect === "openai-responses") {
    // Servers that name no event still lead the data with its type. The terminal event carries the whole answer,
    // so a stream may well be cut inside it: only a whole one counts (parsed once, at the stream's end).
    const type = ev.event ?? LEADING_TYPE.exec(ev.data)?.[1];
    return (type !== undefined && RESPONSES_END.has(type) && wholeJson(ev.data)) || ev.data === "[DONE]";
  }
  return ev.data === "[DONE]";
};

/** Only looked at for a stream's last event; the parse is skipped unless one of the fields is there at all. */
function isFinalGeminiChunk(data: string): boolean {
  if (!data.includes('"finishReason"') && !data.includes('"error"') && !data.includes('"blockReason"')) return false;
  try {
    const d = JSON.parse(data) as { error?: unknown; candidates?: { finishReason?: unknown }[]; promptFeedback?: { blockReason?: unknown } };
    if (d.error) return true;
    if (Array.isArray(d.candidates) && d.candidates.length) return !!d.candidates[0]?.finishReason;
    return !!d.promptFeedback?.blockReason;
  } catch {
    return false;
  }
}

/**
 * Whether a passthrough stream's last event is its terminator. A stream that ends otherwise was cut, even when an
 * OpenAI finish_reason came before the cut: the client gets an error event, never a silent normal end
 * (src/dialects/README.md "Conversion pitfalls").
 */
function endsComplete(dialect: DialectName, tail: SseEvent[]): boolean {
  const final = tail.at(-1);
  return final !== undefined && isTerminator(dialect, final);
}

const asStreamError = (e: unknown) =>
  e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream failed", { cause: e });

/**
 * Writes a stream to the client with Bun's direct streams. `produce` writes and flushes; a failure it throws
 * becomes the client dialect's error event; the client going away cancels the upstream exchange.
 */
export function directStream(started: StartedStream, opts: Common, produce: (out: DirectController) => Promise<StreamEnd>): ReadableStream<Uint8Array> {
  let done = false;
  const end = (e: StreamEnd) => {
    if (done) return;
    done = true;
    opts.onEnd(e);
  };
  return new ReadableStream({
    type: "direct",
    async pull(out: DirectController) {
      let result: StreamEnd;
      try {
        result = await produce(out);
      } catch (e) {
        if (done) return;
        const err = asStreamError(e);
        started.exchange.close(err);
        try {
          out.write(opts.errorEvent(err));
        } catch {
          /* the client is gone too */
        }
        result = { completed: false, error: err };
      }
      if (done) return;
      end(result);
      out.close();
    },
    cancel(reason: unknown) {
      if (done) return;
      end({ completed: false, cancelled: true });
      started.exchange.close(reason ?? new GatewayError(499, "invalid_request", "client closed the stream"));
    },
  } as unknown as ConstructorParameters<typeof ReadableStream<Uint8Array>>[0]);
}

/**
 * An answer that came whole is over for the client and the account at once; the upstream body is still read to its
 * end in the background, so its pooled connection stays reusable (the exchange's deadlines still apply).
 */
function drainThenEnd(started: StartedStream, opts: Common, end: StreamEnd): void {
  opts.onEnd(end);
  const drain = async () => {
    while (await started.exchange.read());
  };
  drain().catch(() => {});
}

/**
 * Keeps the last bytes of a stream: enough to parse its final events (terminator, usage) once it has ended,
 * however the upstream's reads cut them (the usage chunk and the terminator may come in many small reads). Only
 * those bytes are ever decoded.
 */
const TAIL_BYTES = 1024;
const tailDecoder = new TextDecoder();
function tailKeeper() {
  const kept: Uint8Array[] = [];
  let size = 0;
  return {
    keep(chunk: Uint8Array) {
      kept.push(chunk);
      size += chunk.length;
      // The oldest read goes once the newer ones hold TAIL_BYTES without it.
      while (kept.length > 1 && size - kept[0]!.length >= TAIL_BYTES) size -= kept.shift()!.length;
    },
    /** The events in the kept bytes; the first may be the cut-off end of an earlier one (its start is gone). */
    events(): SseEvent[] {
      if (!kept.length) return [];
      let bytes = kept.length === 1 ? kept[0]! : Buffer.concat(kept);
      if (bytes.length > TAIL_BYTES) bytes = bytes.subarray(bytes.length - TAIL_BYTES);
      // Decoded as one piece: a UTF-8 sequence cut at the start belongs to the cut-off event anyway.
      const p = createSseParser();
      const events = p.push(tailDecoder.decode(bytes));
      const rest = p.end();
      return rest.length ? [...events, ...rest] : events;
    },
  };
}

/**
 * Keeps the bytes of a stream's last event, however long it is: an OpenAI Responses stream ends with one event
 * carrying the whole answer (its output, the request's settings, then the usage), often far more than TAIL_BYTES.
 * Per chunk, one backwards search for the blank line before the chunk's last event; the kept chunks hold that
 * event's start and what came after it, nothing older. CRLF framing (`\r\n\r\n`) is found too.
 */
function lastEventKeeper() {
  let kept: Uint8Array[] = [];
  let endedAtBoundary = false;
  const boundaryBefore = (b: Buffer, end: number) => Math.max(b.lastIndexOf("\n\n", end), b.lastIndexOf("\r\n\r\n", end));
  return {
    keep(chunk: Uint8Array) {
      if (!chunk.length) return;
      const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      // A boundary that is not the chunk's own ending starts the last event inside this chunk.
      const trailing = b[b.length - 1] === 10 && (b[b.length - 2] === 10 || (b[b.length - 2] === 13 && b[b.length - 4] === 13));
      const at = boundaryBefore(b, b.length - (trailing ? (b[b.length - 2] === 13 ? 5 : 3) : 1));
      if (at >= 0) kept = [chunk.subarray(at + (b[at] === 13 ? 4 : 2))];
      else if (endedAtBoundary) kept = [chunk];
      else kept.push(chunk);
      endedAtBoundary = trailing;
    },
    events(): SseEvent[] {
      if (!kept.length) return [];
      const p = createSseParser();
      const events = p.push(tailDecoder.decode(kept.length === 1 ? kept[0]! : Buffer.concat(kept)));
      const rest = p.end();
      return rest.length ? [...events, ...rest] : events;
    },
  };
}

const keeperFor = (dialect: DialectName) => (dialect === "openai-responses" ? lastEventKeeper() : tailKeeper());

/**
 * Same dialect on both sides: the upstream's bytes go to the client untouched, written as they arrive. Nothing is
 * parsed on the way; when the upstream ends, the kept tail says whether its terminator came (a stream cut short
 * ends with an error event instead of looking complete) and gives the final events for usage accounting. When a
 * route renamed the model, events are parsed and re-serialised with the client's model name (the one case that
 * needs it). `dropUsageChunk`: the gateway asked an OpenAI upstream for the usage chunk the client did not ask for
 * (src/gateway/stream-usage.ts); that one event is left out of the client's bytes, and still read for usage (the
 * tail keeps the upstream's bytes, not the client's).
 */
export function passthroughStream(
  started: StartedStream,
  opts: Common & { dialect: DialectName; rewriteModel?: { upstream: string; client: string }; dropUsageChunk?: boolean },
): ReadableStream<Uint8Array> | Uint8Array {
  const { exchange } = started;
  const rewrite = opts.rewriteModel;
  if (rewrite) return rewritingStream(started, { ...opts, rewriteModel: rewrite });
  // The whole answer came in the first read (short answers often do): one plain body, no stream machinery.
  const headTail = keeperFor(opts.dialect);
  for (const c of started.head) headTail.keep(c);
  const early = headTail.events();
  if (endsComplete(opts.dialect, early)) {
    drainThenEnd(started, opts, { completed: true, usage: usageFromEvents(opts.dialect, started.events, early) });
    const whole = started.head.length === 1 ? started.head[0]! : Buffer.concat(started.head);
    return opts.dropUsageChunk ? withoutUsageChunk(whole) : whole;
  }
  const dropUsage = opts.dropUsageChunk;
  return directStream(started, opts, async (out) => {
    const tail = keeperFor(opts.dialect);
    const dropper = dropUsage ? createUsageChunkDropper() : undefined;
    const write = (bytes: Uint8Array) => void out.write(bytes);
    for (const c of started.head) {
      if (dropper) dropper.push(c, write);
      else out.write(c);
      tail.keep(c);
    }
    out.flush();
    for (;;) {
      const chunk = await exchange.read();
      if (!chunk) break;
      tail.keep(chunk);
      if (dropper) dropper.push(chunk, write);
      else out.write(chunk);
      out.flush();
    }
    const held = dropper?.end();
    if (held) out.write(held);
    // A cut-off fragment at the start of the kept bytes parses as nothing useful, never as a terminator;
    // the last event decides.
    const seen = tail.events();
    const usage = usageFromEvents(opts.dialect, started.events, seen);
    if (endsComplete(opts.dialect, seen)) return { completed: true, usage };
    const err = new GatewayError(502, "upstream_error", "upstream stream ended without its terminator");
    out.write(opts.errorEvent(err));
    return { completed: false, error: err, usage };
  });
}

/** Events kept for usage at a re-serialised stream's end: its usage may come a read or two before its terminator. */
const LAST_EVENTS = 4;

function rewritingStream(
  started: StartedStream,
  opts: Common & { dialect: DialectName; rewriteModel: { upstream: string; client: string }; dropUsageChunk?: boolean },
): ReadableStream<Uint8Array> {
  const { exchange, parser } = started;
  const needle = `"model":${JSON.stringify(opts.rewriteModel.upstream)}`;
  const replacement = `"model":${JSON.stringify(opts.rewriteModel.client)}`;
  const drop = opts.dropUsageChunk;
  const render = (events: SseEvent[]) =>
    events
      .map((ev) => (drop && isUsageOnlyChunk(ev.data) ? "" : `${ev.event ? `event: ${ev.event}\n` : ""}data: ${ev.data.replaceAll(needle, replacement)}\n\n`))
      .join("");
  return directStream(started, opts, async (out) => {
    const first = [...started.events, ...parser.push(started.rest)];
    let completed = first.some((ev) => isTerminator(opts.dialect, ev));
    let last = first;
    out.write(render(first));
    await out.flush();
    for (;;) {
      const chunk = await exchange.read();
      const events = chunk ? parser.push(chunk) : parser.end();
      if (events.length) {
        last = events.length >= LAST_EVENTS ? events : [...last, ...events].slice(-LAST_EVENTS);
        if (!completed) completed = events.some((ev) => isTerminator(opts.dialect, ev));
        const text = render(events);
        if (text) {
          out.write(text);
          await out.flush();
        }
      }
      if (!chunk) break;
    }
    const usage = usageFromEvents(opts.dialect, first, last);
    if (completed) return { completed, usage };
    const err = new GatewayError(502, "upstream_error", "upstream stream ended without its terminator");
    out.write(opts.errorEvent(err));
    return { completed: false, error: err, usage };
  });
}

/**
 * Different dialects: upstream SSE → canonical events → the client's SSE (stream-converter.ts). Everything one
 * upstream chunk yields is written as one piece. A decoder or encoder that throws on a malformed upstream event
 * still ends the client's stream with an error event (directStream), never a cut.
 */
export function convertedStream(
  started: StartedStream,
  opts: Common & { decoder: StreamDecoder; encoder: StreamEncoder },
): ReadableStream<Uint8Array> | string {
  const { exchange } = started;
  const convert = createStreamConverter(started.parser, opts.decoder, opts.encoder);
  // The whole upstream answer came in the first read: convert it at once into one plain body. The decoder says
  // when it saw the upstream's end; anything else streams as usual.
  let first: string;
  try {
    first = convert.events(started.events) + convert.chunk(started.rest);
  } catch (e) {
    // Nothing has reached the client yet, but the account is committed: the failure ends the stream like any
    // later one (error event, upstream closed, account released), never escapes past the exchange.
    return directStream(started, opts, () => Promise.reject(e));
  }
  if (convert.ended) {
    drainThenEnd(started, opts, { completed: true, usage: convert.usage });
    return first;
  }
  return directStream(started, opts, async (out) => {
    try {
      let text = first;
      for (;;) {
        if (text) {
          out.write(text);
          await out.flush();
        }
        const chunk = await exchange.read();
        if (!chunk) break;
        text = convert.chunk(chunk);
      }
      const last = convert.end();
      if (last.text) out.write(last.text);
      return { completed: !last.failed, error: last.failed, usage: convert.usage };
    } catch (e) {
      // Through the encoder, so a block it left open is closed before the dialect's error event.
      const err = e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream sent an event the gateway could not convert", { cause: e });
      exchange.close(err);
      out.write(opts.encoder.push({ type: "error", error: err }));
      return { completed: false, error: err, usage: convert.usage };
    }
  });
}
