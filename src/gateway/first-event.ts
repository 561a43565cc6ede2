import type { SseEvent } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import { createSseParser } from "../transport/sse-parser.ts";

export interface StartedStream {
  /** Bytes read so far (they hold at least one whole event). */
  head: Uint8Array[];
  /** The events parsed from `head`. */
  events: SseEvent[];
  parser: ReturnType<typeof createSseParser>;
  reader: ByteReader;
}

const defaultReader = (s: ReadableStream<Uint8Array>) => s.getReader();
type ByteReader = ReturnType<typeof defaultReader>;

const wrap = (e: unknown) =>
  e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream failed before its first event", { retryable: true, cause: e });

/**
 * Reads an upstream stream until its first whole SSE event. Until then nothing has reached the client,
 * so a failure here can still fail over to another account (issue: failover before the first byte).
 */
export async function readUntilFirstEvent(body: ReadableStream<Uint8Array>): Promise<StartedStream> {
  const reader = defaultReader(body);
  const parser = createSseParser();
  const head: Uint8Array[] = [];
  for (;;) {
    const chunk = await reader.read().catch((e) => {
      throw wrap(e);
    });
    if (chunk.done) {
      const events = parser.end();
      if (events.length) return { head, events, parser, reader };
      throw new GatewayError(502, "upstream_error", "upstream stream ended before its first event", { retryable: true });
    }
    head.push(chunk.value);
    const events = parser.push(chunk.value);
    if (events.length) return { head, events, parser, reader };
  }
}
