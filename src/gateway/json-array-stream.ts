import type { SseEvent } from "../dialects/types.ts";
import { encodeGeminiStreamError } from "../dialects/gemini/errors.ts";
import { GatewayError } from "../errors.ts";
import { usageFromEvents } from "../usage/usage-from-wire.ts";
import type { StartedStream } from "./first-event.ts";
import { directStream, isTerminator, type StreamEnd } from "./stream-bodies.ts";

interface Common {
  onEnd(end: StreamEnd): void;
}

/** A Gemini client's error as a whole JSON-array stream (nothing else was written). */
export const arrayStreamError = (err: GatewayError) => `[${encodeGeminiStreamError(err, "json-array")}]`;

/**
 * A Gemini client that did not ask for SSE (`:streamGenerateContent` without `alt=sse`) gets the stream as one JSON
 * array written element by element (`[{…},\r\n{…}]`, Google's form). From a Gemini upstream, which the gateway
 * always asks for SSE, each event's data is one element, as it came: the bytes of every chunk are kept, only the
 * framing changes. Complete when the last element is a final chunk (isTerminator); otherwise the client gets an
 * error element and the array is closed, never a silent end. An upstream error chunk is relayed as an element.
 */
export function sseToJsonArrayStream(started: StartedStream, opts: Common): ReadableStream<Uint8Array> {
  const { exchange, parser } = started;
  let opened = false;
  let last: SseEvent | undefined;
  const frame = (events: SseEvent[]) => {
    let s = "";
    for (const ev of events) {
      s += (opened ? ",\r\n" : "[") + ev.data;
      opened = true;
      last = ev;
    }
    return s;
  };
  const errorElement = (err: GatewayError) => `${opened ? ",\r\n" : "["}${encodeGeminiStreamError(err, "json-array")}]`;
  return directStream(started, { ...opts, errorEvent: errorElement }, async (out) => {
    const first = frame([...started.events, ...parser.push(started.rest)]);
    out.write(first);
    await out.flush();
    for (;;) {
      const chunk = await exchange.read();
      const text = frame(chunk ? parser.push(chunk) : parser.end());
      if (text) {
        out.write(text);
        await out.flush();
      }
      if (!chunk) break;
    }
    const usage = usageFromEvents("gemini", [], last ? [last] : []);
    if (last && isTerminator("gemini", last)) {
      out.write("]");
      return { completed: true, usage };
    }
    const err = new GatewayError(502, "upstream_error", "upstream stream ended before a finishReason");
    out.write(errorElement(err));
    return { completed: false, error: err, usage };
  });
}
