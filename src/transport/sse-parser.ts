/**
 * Incremental Server-Sent Events parser and serialiser (src/dialects/README.md "SSE framing").
 *
 * On the hot path of every streamed response: each chunk is decoded once (a streaming
 * TextDecoder keeps UTF-8 sequences split across chunks intact), lines are cut with indexOf,
 * never character by character. Handles `\n`, `\r\n` and `\r` line endings split anywhere
 * (a `\r` at the end of a chunk followed by `\n` at the start of the next is one line break),
 * ignores comment lines (`: ping`), joins multi-line `data:` with `\n`, strips one leading
 * space after the colon.
 *
 * Cost per event is kept to what the wire demands (measured with bench/micro.ts): field names are
 * recognised by char codes in place (no slice per line), only the value is sliced, a single
 * `data:` line needs no array, and a chunk that yields no event returns a shared empty array.
 */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Looks at the raw text where an event starts (`s[pos]`); when it handles the whole event itself, returns the
 * index just past the event's blank line, else -1 (the event is then parsed as usual).
 */
export type RawEventHook = (s: string, pos: number) => number;

export interface SseParser {
  push(chunk: Uint8Array | string): SseEvent[];
  /**
   * Like push, in order, event by event: each event is first offered to `raw` (the converters' raw lane,
   * src/gateway/stream-converter.ts), and the ones it does not take are parsed and given to `onEvent`.
   */
  each(chunk: Uint8Array | string, onEvent: (ev: SseEvent) => void, raw?: RawEventHook): void;
  /** Flush: a last event without its blank line is still delivered (many servers omit it). */
  end(): SseEvent[];
}

/** Returned when a chunk completes no event; frozen so a caller can never fill it for everyone. */
const NO_EVENTS = Object.freeze([]) as unknown as SseEvent[];
/** One options object for every decode call (a literal per call costs measurably, bench/micro.ts). */
const STREAM = { stream: true } as const;

const LF = 10;
const SPACE = 32;
const COLON = 58;

export function createSseParser(): SseParser {
  // Made on the first byte chunk: parsers fed text (the kept tail of a stream) never need one.
  let decoder: TextDecoder | undefined;
  const decode = (chunk: Uint8Array) => (decoder ??= new TextDecoder("utf-8")).decode(chunk, STREAM);
  let buf = "";
  /** The previous chunk ended with `\r`: a `\n` at the start of the next one belongs to it. */
  let pendingCr = false;
  let eventName: string | undefined;
  /** The event's data so far (lines joined with `\n`); undefined until a `data` field. */
  let data: string | undefined;

  /** Set during each(): events go straight to it, in order with the raw hook's. */
  let sink: ((ev: SseEvent) => void) | undefined;

  /** Completes the current event (a blank line); returns `out`, created on the first event. */
  const dispatch = (out: SseEvent[] | null): SseEvent[] | null => {
    if (data !== undefined) {
      const ev: SseEvent = eventName === undefined ? { data } : { data, event: eventName };
      if (sink !== undefined) sink(ev);
      else if (out === null) out = [ev];
      else out.push(ev);
      data = undefined;
    }
    eventName = undefined;
    return out;
  };

  /** One non-empty line `s[pos, end)`. Only `data` and `event` matter (`id`, `retry` are unused by LLM APIs). */
  const field = (s: string, pos: number, end: number) => {
    const c = s.charCodeAt(pos);
    let after: number; // index just past the field name
    let isData: boolean;
    if (c === 100 && s.charCodeAt(pos + 1) === 97 && s.charCodeAt(pos + 2) === 116 && s.charCodeAt(pos + 3) === 97) {
      after = pos + 4; // "data"
      isData = true;
    } else if (c === 101 && s.startsWith("event", pos)) {
      after = pos + 5;
      isData = false;
    } else return; // a comment (`:`), another field, or garbage
    let value: string;
    if (after >= end) value = ""; // the name alone: a field with an empty value
    else if (s.charCodeAt(after) !== COLON) return; // a longer name ("database:..."): not this field
    else {
      const from = s.charCodeAt(after + 1) === SPACE && after + 1 < end ? after + 2 : after + 1;
      value = s.slice(from, end);
    }
    if (!isData) eventName = value;
    else if (data === undefined) data = value;
    else data += "\n" + value;
  };

  const feed = (text: string, out: SseEvent[] | null, raw?: RawEventHook): SseEvent[] | null => {
    if (pendingCr) {
      pendingCr = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    const s = buf.length > 0 ? buf + text : text;
    const len = s.length;
    let pos = 0;
    let nl = s.indexOf("\n");
    let cr = s.indexOf("\r");
    while (pos < len) {
      // At an event's first line (nothing of an event gathered yet), the raw hook may take the whole event.
      if (raw !== undefined && data === undefined && eventName === undefined) {
        const next = raw(s, pos);
        if (next > pos) {
          pos = next;
          continue;
        }
      }
      if (nl !== -1 && nl < pos) nl = s.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = s.indexOf("\r", pos);
      let end: number;
      let next: number;
      if (cr !== -1 && (nl === -1 || cr < nl)) {
        end = cr;
        if (cr + 1 < len) next = s.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          pendingCr = true;
        }
      } else if (nl !== -1) {
        end = nl;
        next = nl + 1;
      } else break;
      if (end === pos) out = dispatch(out);
      else field(s, pos, end);
      pos = next;
    }
    buf = pos === 0 ? s : pos >= len ? "" : s.slice(pos);
    return out;
  };

  return {
    push(chunk) {
      return feed(typeof chunk === "string" ? chunk : decode(chunk), null) ?? NO_EVENTS;
    },
    each(chunk, onEvent, raw) {
      sink = onEvent;
      try {
        feed(typeof chunk === "string" ? chunk : decode(chunk), null, raw);
      } finally {
        sink = undefined;
      }
    },
    end() {
      let out: SseEvent[] | null = null;
      const tail = decoder?.decode() ?? "";
      if (tail.length > 0) out = feed(tail, out);
      if (buf.length > 0) {
        field(buf, 0, buf.length);
        buf = "";
      }
      out = dispatch(out);
      pendingCr = false;
      return out ?? NO_EVENTS;
    },
  };
}

/** One SSE event as text. JSON payloads have no raw newlines; other data is split into data lines. */
export function encodeSse(event: string | undefined, data: string): string {
  const body = data.indexOf("\n") === -1 && data.indexOf("\r") === -1
    ? `data: ${data}\n\n`
    : `data: ${data.split(/\r\n|\r|\n/).join("\ndata: ")}\n\n`;
  return event === undefined ? body : `event: ${event}\n${body}`;
}
