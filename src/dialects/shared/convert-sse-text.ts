/**
 * Whole-stream conversions for tests, benches and tools: SSE text (or byte chunks) through a
 * stream decoder, and canonical events through a stream encoder. The server streams event by
 * event instead; these are the same state machines run to completion.
 */
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import { createSseParser } from "../../transport/sse-parser.ts";
import type { StreamDecoder, StreamEncoder } from "../types.ts";

export function decodeSseText(decoder: StreamDecoder, input: string | readonly Uint8Array[]): CanonicalStreamEvent[] {
  const parser = createSseParser();
  const out: CanonicalStreamEvent[] = [];
  const chunks = typeof input === "string" ? [input] : input;
  for (const c of chunks) for (const ev of parser.push(c)) out.push(...decoder.push(ev));
  for (const ev of parser.end()) out.push(...decoder.push(ev));
  out.push(...decoder.end());
  return out;
}

export function encodeEvents(encoder: StreamEncoder, events: readonly CanonicalStreamEvent[]): string {
  let s = "";
  for (const e of events) s += encoder.push(e);
  return s;
}
