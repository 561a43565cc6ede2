import { statusForAnthropicType } from "../dialects/anthropic-messages/errors.ts";
import type { SseEvent } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import { codeForStatus } from "../dialects/shared/upstream-error.ts";
import { createSseParser } from "../transport/sse-parser.ts";
import type { UpstreamExchange } from "../transport/upstream-fetch.ts";

export interface StartedStream {
  /** Bytes read so far (they hold at least one whole event). */
  head: Uint8Array[];
  /** The events parsed from `head`. */
  events: SseEvent[];
  parser: ReturnType<typeof createSseParser>;
  /** The bytes of `head` after the first event, not given to the parser yet (converters push them next). */
  rest: Uint8Array;
  /** Where the rest of the body comes from. */
  exchange: Pick<UpstreamExchange, "read" | "close">;
}

const wrap = (e: unknown) =>
  e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream failed before its first event", { retryable: true, cause: e });

/**
 * Reads an upstream stream until its first whole SSE event. Until then nothing has reached the client,
 * so a failure here can still fail over to another account.
 * The first event is also checked, because committing to it would send it to the client:
 * - data that is not JSON (a broken upstream or proxy) fails over as a 502;
 * - an in-stream error as the very first event (Anthropic sends `event: error` with `overloaded_error` on a
 *   200 stream; OpenAI-compatible servers and Gemini send `data: {"error":…}`) fails over with the status the error
 *   type implies, so the account cools down or counts a failure exactly as for the same HTTP answer.
 */
export async function readUntilFirstEvent(exchange: Pick<UpstreamExchange, "read" | "close">): Promise<StartedStream> {
  const parser = createSseParser();
  const head: Uint8Array[] = [];
  const started = (events: SseEvent[], rest: Uint8Array) => {
    // Only the first event: whatever follows it in the same chunk is "mid-stream", as it would be had the
    // upstream's chunks been cut differently (the client then gets it, or its error event, as sent).
    checkFirstEvent(events[0]!);
    return { head, events, parser, rest, exchange };
  };
  for (;;) {
    const chunk = await exchange.read().catch((e) => {
      throw wrap(e);
    });
    if (!chunk) {
      const events = parser.end();
      if (events.length) return started(events, EMPTY);
      throw new GatewayError(502, "upstream_error", "upstream stream ended before its first event", { retryable: true });
    }
    head.push(chunk);
    // Parse only up to the first event: a stream that arrives in one piece is not parsed twice (passthrough
    // never parses the rest; converters push it to the same parser next).
    let from = 0;
    for (let end = eventEnd(chunk, from); end > 0; end = eventEnd(chunk, from)) {
      const events = parser.push(chunk.subarray(from, end));
      from = end;
      if (events.length) return started(events, chunk.subarray(end));
    }
    const events = parser.push(chunk.subarray(from));
    if (events.length) return started(events, EMPTY);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Index just past the first blank line (an SSE event's end) at or after `from`, or -1. Only a hint of where to
 * cut (the parser decides what an event is), so the line ending is judged from the first line: CRLF streams
 * are searched for `\r\n\r\n`, others for `\n\n` (a lone-CR stream for `\r\r`), without scanning the whole
 * chunk for an ending it does not use.
 */
function eventEnd(chunk: Uint8Array, from: number): number {
  const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const nl = b.indexOf(10, from);
  if (nl < 0) {
    const cr = b.indexOf("\r\r", from);
    return cr < 0 ? -1 : cr + 2;
  }
  if (nl > from && b[nl - 1] === 13) {
    const crlf = b.indexOf("\r\n\r\n", from);
    return crlf < 0 ? -1 : crlf + 4;
  }
  const lf = b.indexOf("\n\n", from);
  return lf < 0 ? -1 : lf + 2;
}

function checkFirstEvent(ev: SseEvent): void {
  if (ev.data === "[DONE]") return;
  let data: unknown;
  try {
    data = JSON.parse(ev.data);
  } catch {
    throw new GatewayError(502, "upstream_error", "upstream stream sent malformed data before its first event", { retryable: true });
  }
  const error = typeof data === "object" && data !== null ? (data as { error?: unknown }).error : undefined;
  if (ev.event !== "error" && (typeof error !== "object" || error === null)) return;
  const e = (typeof error === "object" && error !== null ? error : {}) as { type?: unknown; message?: unknown; code?: unknown; status?: unknown };
  const status = typeof e.code === "number" ? e.code : statusForAnthropicType(e.type);
  const message = typeof e.message === "string" ? e.message : "upstream stream began with an error";
  throw new GatewayError(status, codeForStatus(status), message, {
    // Anthropic and OpenAI name the error's kind in `type`, Google in `status` (`RESOURCE_EXHAUSTED`).
    upstreamType: typeof e.type === "string" ? e.type : typeof e.status === "string" ? e.status : undefined,
    // Whether another account may do better is routing's call (429/5xx/529 yes, 4xx no).
  });
}
