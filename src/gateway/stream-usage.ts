import type { UpstreamAccount } from "../config/schema.ts";
import type { DialectName } from "../dialects/types.ts";
import { createSseParser } from "../transport/sse-parser.ts";

/**
 * The usage of an OpenAI stream whose client did not ask for it. OpenAI (and the servers that copy it) report a
 * stream's tokens only in a final chunk sent when the request says `stream_options.include_usage: true`; without
 * it a stream's cost is unknown, and a key's budget and tokens per minute could be dodged by not asking. So the
 * gateway asks on the client's behalf and takes that one chunk out of what the client receives: the client sees the
 * stream it would have seen from the upstream directly, and the gateway reads the usage from the chunk.
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The client asked for the usage chunk itself. */
export const clientAsksUsage = (json: Record<string, unknown>) => isObject(json.stream_options) && json.stream_options.include_usage === true;

/**
 * Whether a streaming request of `dialect`, sent in the same dialect to `account`, gets include_usage added. Not
 * when the client asked (it gets the chunk as sent), nor for an account that rejects `stream_options`
 * (`stream_usage: false`), nor when the client's `stream_options` is neither an object nor null (the upstream judges
 * the client's own field).
 */
export function asksUsageFor(dialect: DialectName, account: Pick<UpstreamAccount, "stream_usage">, json: Record<string, unknown>): boolean {
  if (dialect !== "openai-chat" && dialect !== "openai-completions") return false;
  if (account.stream_usage === false || clientAsksUsage(json)) return false;
  const so = json.stream_options;
  return so === undefined || so === null || isObject(so);
}

const INSERTED = '"stream_options":{"include_usage":true},';

/**
 * The request body with `stream_options.include_usage: true`, merged with the client's other stream options;
 * `model` replaces the client's model (a route renamed it). A body without `stream_options` and without a new model
 * gets the field spliced in after its opening brace, without re-serialising the client's text: JSON.parse gave an
 * object, so the first `{` is that brace (only whitespace may come before it), and the object has other keys
 * (`stream`), so the inserted member's comma is followed by one.
 */
export function withUsageAsked(text: string, json: Record<string, unknown>, model?: string): string {
  if (model === undefined && !Object.hasOwn(json, "stream_options")) {
    const brace = text.indexOf("{");
    return text.slice(0, brace + 1) + INSERTED + text.slice(brace + 1);
  }
  const so = json.stream_options;
  return JSON.stringify({ ...json, ...(model !== undefined && { model }), stream_options: { ...(isObject(so) ? so : {}), include_usage: true } });
}

/**
 * Whether an event's data is the usage-only chunk: `"choices": []` with a `usage` object. The text test comes
 * first (most events fail it without a parse).
 */
export const isUsageOnlyChunk = (data: string): boolean => EMPTY_CHOICES.test(data) && usageOnly(data);
const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

/**
 * The longest unfinished event held back while its end is awaited. A usage chunk is a few hundred bytes; an
 * unfinished event longer than this is not one, and is forwarded at once (so odd framing never stalls a stream).
 */
const HOLD_LIMIT = 16 * 1024;
const CHOICES = Buffer.from('"choices"');
const LF_SEP = Buffer.from("\n\n");
const CRLF_SEP = Buffer.from("\r\n\r\n");
const CR_SEP = Buffer.from("\r\r");
const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();
// Buffer's native byte-sequence searches, called on the reads' plain Uint8Arrays: no Buffer view made per read.
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array, byteOffset?: number) => number;
const lastIndexOf = Buffer.prototype.lastIndexOf as (this: Uint8Array, value: Uint8Array, byteOffset?: number) => number;

/** The blank line that ends an event, judged from the first line ending (undefined: none seen yet). */
function framing(b: Uint8Array): Buffer | undefined {
  const nl = b.indexOf(10);
  if (nl < 0) {
    // A CR at the very end may be the first half of a CRLF.
    const cr = b.indexOf(13);
    return cr < 0 || cr === b.length - 1 ? undefined : CR_SEP;
  }
  return nl > 0 && b[nl - 1] === 13 ? CRLF_SEP : LF_SEP;
}

/** Index just past the last blank line of `b`, or 0. Reads usually end where an event does: checked first. */
function lastEventEnd(b: Uint8Array, sep: Buffer): number {
  let i = 1;
  while (i <= sep.length && b[b.length - i] === sep[sep.length - i]) i++;
  if (i > sep.length) return b.length;
  const at = lastIndexOf.call(b, sep);
  return at < 0 ? 0 : at + sep.length;
}

/** After `"choices"` at `at`: optional whitespace, `:`, `[`, `]`. */
function emptyChoicesAt(b: Uint8Array, at: number): boolean {
  let i = at + CHOICES.length;
  while (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13) i++;
  if (b[i++] !== 58) return false;
  while (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13) i++;
  if (b[i++] !== 91) return false;
  while (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13) i++;
  return b[i] === 93;
}

/**
 * Where the usage-only event is among the whole events of `b[0, cut)`: its bytes from the blank line before it to
 * its own, or undefined. OpenAI sends it after every chunk with choices (only `[DONE]` follows), so only the last
 * `"choices"` of the bytes is looked at: one backwards search. Only an event whose choices are an empty array is
 * decoded and parsed (Azure's first chunk has empty choices too, with no usage: it stays).
 */
function findUsageEvent(b: Uint8Array, cut: number, sep: Buffer): [number, number] | undefined {
  if (cut < CHOICES.length) return undefined;
  const hit = lastIndexOf.call(b, CHOICES, cut - CHOICES.length);
  if (hit < 0 || !emptyChoicesAt(b, hit)) return undefined;
  const after = indexOf.call(b, sep, hit);
  const end = after < 0 || after + sep.length > cut ? cut : after + sep.length;
  const before = lastIndexOf.call(b, sep, hit);
  const start = before < 0 ? 0 : before + sep.length;
  return isUsageEvent(b, start, end, sep) ? [start, end] : undefined;
}

/**
 * Whether the event `b[start, end)` is the usage-only chunk. Its usual shape, one `data:` line, is parsed as it
 * is; anything else (a comment or `event:` line, data over several lines) goes through the SSE parser.
 */
function isUsageEvent(b: Uint8Array, start: number, end: number, sep: Buffer): boolean {
  const stop = end - sep.length >= start && b[end - 1] === sep[sep.length - 1] ? end - sep.length : end;
  let from = start + 5;
  if (b[start] === 100 && b[start + 1] === 97 && b[start + 2] === 116 && b[start + 3] === 97 && b[start + 4] === 58) {
    if (b[from] === 32) from++;
    const lf = b.indexOf(10, from);
    const cr = b.indexOf(13, from);
    if ((lf < 0 || lf >= stop) && (cr < 0 || cr >= stop)) return usageOnly(decoder.decode(b.subarray(from, stop)));
  }
  const events = createSseParser().push(decoder.decode(b.subarray(start, end)));
  return events.length === 1 && usageOnly(events[0]!.data);
}

/** The data is a chunk whose choices are an empty array and whose usage is an object. */
function usageOnly(data: string): boolean {
  try {
    const o = JSON.parse(data) as unknown;
    return isObject(o) && Array.isArray(o.choices) && o.choices.length === 0 && isObject(o.usage);
  } catch {
    return false;
  }
}

/**
 * A whole stream that came in one read, the usage-only chunk cut out in place (the bytes after it moved down over
 * it: only `[DONE]`): nothing else holds these bytes once the stream's end and usage were read from them.
 */
export function withoutUsageChunk(body: Uint8Array): Uint8Array {
  const sep = framing(body);
  const found = sep && findUsageEvent(body, body.length, sep);
  if (!found) return body;
  const [start, end] = found;
  body.copyWithin(start, end);
  return body.subarray(0, body.length - (end - start));
}

export interface UsageChunkDropper {
  /** Writes the next upstream read: the usage chunk left out (the bytes around it in two writes, not copied), an
   * unfinished event kept back. */
  push(chunk: Uint8Array, write: (bytes: Uint8Array) => void): void;
  /** What was kept back when the upstream ends (an event cut short: forwarded as it came). */
  end(): Uint8Array | undefined;
}

/**
 * Takes the usage-only chunk out of a passthrough OpenAI stream's bytes as they are read; everything else is
 * forwarded byte for byte, however the upstream's reads cut the events. Per read: whether it ends with a blank
 * line, and one backwards search (findUsageEvent). An event not finished at the end of a read is kept back until
 * its end arrives (it may be the usage chunk). Once the chunk is dropped the rest is forwarded without a look. The
 * framing (LF, CRLF, or CR) is judged once, from the stream's first line ending. The reads are never written to:
 * the stream's tail keeps them for its usage.
 */
export function createUsageChunkDropper(): UsageChunkDropper {
  let held: Uint8Array | undefined;
  let sep: Buffer | undefined;
  let dropped = false;
  return {
    push(chunk, write) {
      let b = chunk;
      if (held) {
        b = Buffer.concat([held, chunk]);
        held = undefined;
      }
      if (dropped || !b.length) {
        if (b.length) write(b);
        return;
      }
      sep ??= framing(b);
      // No line ending yet: nothing can be judged.
      let cut = sep ? lastEventEnd(b, sep) : 0;
      if (cut < b.length) {
        if (b.length - cut <= HOLD_LIMIT) held = b.subarray(cut);
        else cut = b.length;
      }
      const found = sep && findUsageEvent(b, cut, sep);
      if (!found) {
        if (cut) write(cut === b.length ? b : b.subarray(0, cut));
        return;
      }
      dropped = true;
      const [start, end] = found;
      if (start) write(b.subarray(0, start));
      if (cut > end) write(b.subarray(end, cut));
    },
    end() {
      const rest = held;
      held = undefined;
      return rest;
    },
  };
}
