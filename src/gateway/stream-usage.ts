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
export function isUsageOnlyChunk(data: string): boolean {
  if (!EMPTY_CHOICES.test(data)) return false;
  try {
    const o = JSON.parse(data) as unknown;
    return isObject(o) && Array.isArray(o.choices) && o.choices.length === 0 && isObject(o.usage);
  } catch {
    return false;
  }
}
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
const decoder = new TextDecoder();

export interface UsageChunkDropper {
  /** The bytes to forward now for the next upstream chunk: the usage chunk left out, an unfinished event kept back. */
  push(chunk: Uint8Array): Uint8Array;
  /** What was kept back when the upstream ends (an event cut short: forwarded as it came). */
  end(): Uint8Array | undefined;
}

/**
 * Takes the usage-only chunk out of a passthrough OpenAI stream's bytes; everything else is forwarded byte for byte,
 * however the upstream's reads cut the events. Per chunk: the blank line at its end is checked (reads usually end
 * where an event does), and `"choices"` is searched for; only an event whose choices are an empty array is decoded
 * and parsed. The event's bytes are dropped from the blank line before it to its own. An event not finished at the
 * end of a read is kept back until its end arrives (it may be the usage chunk). Once the chunk is dropped, the rest
 * is forwarded without a look. The framing (LF, CRLF, or CR) is judged once, from the stream's first line ending.
 */
export function createUsageChunkDropper(): UsageChunkDropper {
  let held: Uint8Array | undefined;
  let sep: Buffer | undefined;
  let dropped = false;

  const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const framing = (b: Buffer): Buffer | undefined => {
    const nl = b.indexOf(10);
    if (nl < 0) {
      // A CR at the very end may be the first half of a CRLF.
      const cr = b.indexOf(13);
      return cr < 0 || cr === b.length - 1 ? undefined : CR_SEP;
    }
    return nl > 0 && b[nl - 1] === 13 ? CRLF_SEP : LF_SEP;
  };
  const endsWith = (b: Buffer, s: Buffer) => {
    if (b.length < s.length) return false;
    for (let i = 1; i <= s.length; i++) if (b[b.length - i] !== s[s.length - i]) return false;
    return true;
  };
  /** Index just past the last blank line of `b`, or 0. */
  const lastEventEnd = (b: Buffer, s: Buffer) => {
    if (endsWith(b, s)) return b.length;
    const at = b.lastIndexOf(s);
    return at < 0 ? 0 : at + s.length;
  };
  /** After `"choices"` at `at`: optional spaces, `:`, `[`, `]`. */
  const emptyChoicesAt = (b: Buffer, at: number) => {
    let i = at + CHOICES.length;
    const skip = () => {
      while (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13) i++;
    };
    skip();
    if (b[i++] !== 58) return false;
    skip();
    if (b[i++] !== 91) return false;
    skip();
    return b[i] === 93;
  };
  const isUsageEvent = (bytes: Buffer) => {
    const events = createSseParser().push(decoder.decode(bytes));
    return events.length === 1 && isUsageOnlyChunk(events[0]!.data);
  };

  /** `b` holds whole events only: the usage chunk among them left out. */
  const drop = (b: Buffer, s: Buffer): Uint8Array => {
    for (let from = 0; ; ) {
      const hit = b.indexOf(CHOICES, from);
      if (hit < 0) return b;
      from = hit + CHOICES.length;
      if (!emptyChoicesAt(b, hit)) continue;
      const after = b.indexOf(s, hit);
      const end = after < 0 ? b.length : after + s.length;
      const before = b.lastIndexOf(s, hit);
      const start = before < 0 ? 0 : before + s.length;
      if (isUsageEvent(b.subarray(start, end))) {
        dropped = true;
        if (start === 0) return b.subarray(end);
        if (end === b.length) return b.subarray(0, start);
        return Buffer.concat([b.subarray(0, start), b.subarray(end)]);
      }
      from = end;
    }
  };

  return {
    push(chunk) {
      let bytes: Uint8Array = chunk;
      if (held) {
        bytes = Buffer.concat([held, chunk]);
        held = undefined;
      }
      if (dropped || !bytes.length) return bytes;
      const b = view(bytes);
      sep ??= framing(b);
      if (!sep) {
        // No line ending yet: nothing can be judged.
        if (b.length <= HOLD_LIMIT) held = bytes;
        return held ? EMPTY : bytes;
      }
      const cut = lastEventEnd(b, sep);
      if (cut < b.length && b.length - cut <= HOLD_LIMIT) held = b.subarray(cut);
      const whole = held ? b.subarray(0, cut) : b;
      return whole.length ? drop(whole, sep) : EMPTY;
    },
    end() {
      const rest = held;
      held = undefined;
      return rest;
    },
  };
}

const EMPTY = new Uint8Array(0);
