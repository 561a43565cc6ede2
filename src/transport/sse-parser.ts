/**
 * Incremental Server-Sent Events parser and serialiser (WIRE_FORMATS.md §1).
 *
 * On the hot path of every streamed response: each chunk is decoded once (a streaming
 * TextDecoder keeps UTF-8 sequences split across chunks intact), lines are cut with indexOf,
 * never character by character. Handles `\n`, `\r\n` and `\r` line endings split anywhere
 * (a `\r` at the end of a chunk followed by `\n` at the start of the next is one line break),
 * ignores comment lines (`: ping`), joins multi-line `data:` with `\n`, strips one leading
 * space after the colon.
 */
export interface SseEvent {
  event?: string;
  data: string;
}

export interface SseParser {
  push(chunk: Uint8Array | string): SseEvent[];
  /** Flush: a last event without its blank line is still delivered (many servers omit it). */
  end(): SseEvent[];
}

export function createSseParser(): SseParser {
  const decoder = new TextDecoder("utf-8");
  let buf = "";
  /** The previous chunk ended with `\r`: a `\n` at the start of the next one belongs to it. */
  let pendingCr = false;
  let eventName: string | undefined;
  let data: string[] = [];

  const dispatch = (out: SseEvent[]) => {
    if (data.length > 0) {
      const ev: SseEvent = { data: data.length === 1 ? data[0]! : data.join("\n") };
      if (eventName !== undefined) ev.event = eventName;
      out.push(ev);
    }
    data = [];
    eventName = undefined;
  };

  const line = (l: string, out: SseEvent[]) => {
    if (l.length === 0) return dispatch(out);
    const colon = l.indexOf(":");
    if (colon === 0) return; // comment
    let field: string;
    let value: string;
    if (colon < 0) {
      field = l;
      value = "";
    } else {
      field = l.slice(0, colon);
      value = l.charCodeAt(colon + 1) === 32 ? l.slice(colon + 2) : l.slice(colon + 1);
    }
    if (field === "data") data.push(value);
    else if (field === "event") eventName = value;
    // `id` and `retry` are not used by any LLM API; ignored.
  };

  const feed = (text: string, out: SseEvent[]) => {
    if (pendingCr) {
      pendingCr = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    const s = buf.length > 0 ? buf + text : text;
    const len = s.length;
    let pos = 0;
    let nl = s.indexOf("\n");
    let cr = s.indexOf("\r");
    while (pos < len) {
      if (nl !== -1 && nl < pos) nl = s.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = s.indexOf("\r", pos);
      let end: number;
      let next: number;
      if (cr !== -1 && (nl === -1 || cr < nl)) {
        end = cr;
        if (cr + 1 < len) next = s.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          pendingCr = true;
        }
      } else if (nl !== -1) {
        end = nl;
        next = nl + 1;
      } else break;
      line(s.slice(pos, end), out);
      pos = next;
    }
    buf = pos === 0 ? s : s.slice(pos);
  };

  return {
    push(chunk) {
      const out: SseEvent[] = [];
      feed(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }), out);
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      const tail = decoder.decode();
      if (tail.length > 0) feed(tail, out);
      if (buf.length > 0) {
        line(buf, out);
        buf = "";
      }
      dispatch(out);
      pendingCr = false;
      return out;
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
