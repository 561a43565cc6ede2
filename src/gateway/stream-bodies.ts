import type { DialectName, SseEvent, StreamDecoder, StreamEncoder } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import type { StartedStream } from "./first-event.ts";

const encoder = new TextEncoder();

export interface StreamEnd {
  /** The upstream's terminator arrived (or the converted stream finished cleanly). */
  completed: boolean;
  error?: GatewayError;
  /** The client went away. */
  cancelled?: boolean;
}

interface Common {
  /** SSE text of an in-stream error, in the client's dialect. */
  errorEvent(err: GatewayError): string;
  onEnd(end: StreamEnd): void;
}

const isTerminator = (dialect: DialectName, ev: SseEvent) =>
  dialect === "anthropic-messages" ? ev.event === "message_stop" || ev.event === "error" : ev.data === "[DONE]";

const toGatewayError = (e: unknown) =>
  e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream failed", { cause: e });

/**
 * Same dialect on both sides: the upstream's bytes go to the client untouched. The parser only watches for the
 * terminator, so a stream cut short ends with an error event instead of looking complete. When a route renamed
 * the model, events are re-serialised with the client's model name (the one case that needs it).
 */
export function passthroughStream(
  started: StartedStream,
  opts: Common & { dialect: DialectName; rewriteModel?: { upstream: string; client: string } },
): ReadableStream<Uint8Array> {
  const { reader, parser } = started;
  let head: Uint8Array[] | undefined = started.head;
  let done = false;
  let completed = started.events.some((ev) => isTerminator(opts.dialect, ev));
  const rewrite = opts.rewriteModel;
  const needle = rewrite && `"model":${JSON.stringify(rewrite.upstream)}`;
  const replacement = rewrite && `"model":${JSON.stringify(rewrite.client)}`;
  const renderEvents = (events: SseEvent[]) =>
    events
      .map((ev) => `${ev.event ? `event: ${ev.event}\n` : ""}data: ${ev.data.replaceAll(needle!, replacement!)}\n\n`)
      .join("");

  const end = (out: ReadableStreamDefaultController<Uint8Array>, e?: StreamEnd) => {
    done = true;
    opts.onEnd(e ?? { completed });
    out.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      pull: async (out) => {
        if (head) {
          const first = head;
          head = undefined;
          if (rewrite) out.enqueue(encoder.encode(renderEvents(started.events)));
          else for (const c of first) out.enqueue(c);
          return;
        }
        const chunk = await reader.read().catch((e: unknown) => e as Error);
        if (chunk instanceof Error) {
          const err = toGatewayError(chunk);
          out.enqueue(encoder.encode(opts.errorEvent(err)));
          return end(out, { completed: false, error: err });
        }
        if (chunk.done) {
          const rest = parser.end();
          if (rest.some((ev) => isTerminator(opts.dialect, ev))) completed = true;
          if (rewrite && rest.length) out.enqueue(encoder.encode(renderEvents(rest)));
          if (!completed) {
            const err = new GatewayError(502, "upstream_error", "upstream stream ended without its terminator");
            out.enqueue(encoder.encode(opts.errorEvent(err)));
            return end(out, { completed: false, error: err });
          }
          return end(out);
        }
        const events = parser.push(chunk.value);
        if (!completed) for (const ev of events) if (isTerminator(opts.dialect, ev)) completed = true;
        if (rewrite) {
          if (events.length) out.enqueue(encoder.encode(renderEvents(events)));
        } else out.enqueue(chunk.value);
      },
      cancel: (reason) => {
        if (done) return;
        done = true;
        opts.onEnd({ completed: false, cancelled: true });
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Different dialects: upstream SSE → canonical events → the client's SSE, event by event. */
export function convertedStream(
  started: StartedStream,
  opts: Common & { decoder: StreamDecoder; encoder: StreamEncoder },
): ReadableStream<Uint8Array> {
  const { reader, parser } = started;
  let pending: SseEvent[] | undefined = started.events;
  let done = false;
  const translate = (events: SseEvent[]) => {
    let text = "";
    for (const ev of events) for (const c of opts.decoder.push(ev)) text += opts.encoder.push(c);
    return text;
  };
  const finish = (out: ReadableStreamDefaultController<Uint8Array>, e: StreamEnd) => {
    done = true;
    opts.onEnd(e);
    out.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      pull: async (out) => {
        try {
          await step(out);
        } catch (e) {
          // A decoder or encoder that throws on a malformed upstream event must still end the client's
          // stream with an error event (and release the account), not leave it hanging or cut.
          if (done) return;
          const err = e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream sent an event the gateway could not convert", { cause: e });
          reader.cancel(err).catch(() => {});
          out.enqueue(encoder.encode(opts.errorEvent(err)));
          finish(out, { completed: false, error: err });
        }
      },
      cancel: (reason) => {
        if (done) return;
        done = true;
        opts.onEnd({ completed: false, cancelled: true });
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );

  async function step(out: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      let text = "";
      if (pending) {
        text = translate(pending);
        pending = undefined;
      } else {
        const chunk = await reader.read().catch((e: unknown) => e as Error);
        if (chunk instanceof Error) {
          const err = toGatewayError(chunk);
          out.enqueue(encoder.encode(opts.errorEvent(err)));
          return finish(out, { completed: false, error: err });
        }
        if (chunk.done) {
          text = translate(parser.end());
          let failed: GatewayError | undefined;
          for (const c of opts.decoder.end()) {
            if (c.type === "error") failed = c.error;
            text += opts.encoder.push(c);
          }
          if (text) out.enqueue(encoder.encode(text));
          return finish(out, { completed: !failed, error: failed });
        }
        text = translate(parser.push(chunk.value));
      }
      // Keep reading until there is something to send: an empty enqueue would wake the client for nothing.
      if (text) {
        out.enqueue(encoder.encode(text));
        return;
      }
    }
  }
}
