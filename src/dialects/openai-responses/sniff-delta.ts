/**
 * The raw lane's matcher for OpenAI Responses streams (see src/gateway/stream-converter.ts). Nearly every event of
 * an answer is a text delta:
 *   event: response.output_text.delta
 *   data: {"type":"response.output_text.delta","sequence_number":17,"content_index":0,"delta":"Hi","item_id":"msg_…","logprobs":[],"obfuscation":"k2Fv9","output_index":1}
 * OpenAI writes the keys after `type` in an order of its own, and other servers in theirs, so the fields are read
 * in any order; only the known ones, each once, with plain values (an integer, a string literal without escapes,
 * an empty `logprobs`). Anything else — another key, logprobs, an escape, CRLF framing — takes the full path.
 * Function-call argument deltas are left to it: they are JSON text, nearly always with escaped quotes.
 */
import { verbatimLiteralEnd } from "../shared/json-string.ts";

const TEXT = "response.output_text.delta";
const EVENT = "event: ";
const DATA_TYPE = `data: {"type":"`;

/** What the event says, when recognised. */
export interface SniffedDelta {
  outputIndex: number;
  literalStart: number;
  literalEnd: number;
  /** Just past the event's blank line. */
  next: number;
}

/** Index past a non-negative integer at `i` (its value in `num.v`), or -1. */
function integerEnd(s: string, i: number, num: { v: number }): number {
  let v = 0;
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  num.v = v;
  return i > start && i - start < 10 ? i : -1;
}

const num = { v: 0 };

/**
 * A text delta event starting at `s[pos]` (with or without its `event:` line): fills `out` and returns true when it
 * has the plain shape above and a non-empty delta.
 */
export function sniffResponsesDelta(s: string, pos: number, out: SniffedDelta): boolean {
  let i = pos;
  if (s.startsWith(EVENT, i)) {
    if (!s.startsWith(TEXT, i + EVENT.length) || s.charCodeAt(i + EVENT.length + TEXT.length) !== 10) return false;
    i += EVENT.length + TEXT.length + 1;
  }
  if (!s.startsWith(DATA_TYPE, i)) return false;
  i += DATA_TYPE.length;
  if (!s.startsWith(TEXT, i) || s.charCodeAt(i + TEXT.length) !== 34) return false;
  i += TEXT.length + 1;
  let seen = 0; // bits of the keys read
  let output = -1;
  let literalStart = -1;
  let literalEnd = -1;
  while (s.charCodeAt(i) === 44) {
    // ,"key":
    const keyStart = i + 2;
    if (s.charCodeAt(i + 1) !== 34) return false;
    const keyEnd = s.indexOf('":', keyStart);
    if (keyEnd < 0 || keyEnd - keyStart > 15) return false;
    const key = s.slice(keyStart, keyEnd);
    i = keyEnd + 2;
    let bit: number;
    switch (key) {
      case "delta":
        bit = 1;
        literalStart = i;
        i = literalEnd = verbatimLiteralEnd(s, i);
        break;
      case "item_id":
      case "obfuscation":
        bit = key === "item_id" ? 2 : 4;
        i = verbatimLiteralEnd(s, i);
        break;
      case "output_index":
        bit = 8;
        i = integerEnd(s, i, num);
        output = num.v;
        break;
      case "sequence_number":
      case "content_index":
        bit = key === "sequence_number" ? 16 : 32;
        i = integerEnd(s, i, num);
        break;
      case "logprobs":
        bit = 64;
        i = s.startsWith("[]", i) ? i + 2 : -1;
        break;
      default:
        return false;
    }
    if (i < 0 || seen & bit) return false;
    seen |= bit;
  }
  // A delta and the output it belongs to, a non-empty literal, then the end of the object and the blank line.
  if ((seen & 9) !== 9 || literalEnd - literalStart < 3) return false;
  if (s.charCodeAt(i) !== 125 || s.charCodeAt(i + 1) !== 10 || s.charCodeAt(i + 2) !== 10) return false;
  out.outputIndex = output;
  out.literalStart = literalStart;
  out.literalEnd = literalEnd;
  out.next = i + 3;
  return true;
}
