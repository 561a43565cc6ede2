/**
 * The raw lane's matcher for Chat Completions streams (see src/gateway/stream-converter.ts). After the role chunk, nearly
 * every chunk is
 *   data: <head>"choices":[{"index":0,"delta":{"content":"…"},"logprobs":null,"finish_reason":null}]}
 * (some servers omit `logprobs`; OpenAI appends `,"usage":null` with include_usage, and `,"obfuscation":"…"`),
 * where <head> — id, object, created, model, fingerprint — is the same bytes in every chunk. The decoder learns
 * the head from a content chunk it parsed in full and found free of `error` and `usage`; a chunk is then
 * recognised only with that exact head, so it means what the full parse would make of it.
 */
import { verbatimLiteralEnd } from "../shared/json-string.ts";
import type { RawDelta } from "../types.ts";

const DATA = "data: ";
const MARK = `"choices":[{"index":0,"delta":{"content":`;
const TAILS = [`},"logprobs":null,"finish_reason":null}]`, `},"finish_reason":null}]`];
const NULL_USAGE = `,"usage":null`;
const OBFUSCATION = `,"obfuscation":`;

/**
 * When `s` from `at` on is MARK, a verbatim literal and a known tail: writes where the text literal is, and the index
 * just past the chunk's closing brace as `next`, into `out`; returns true.
 */
function contentAt(s: string, at: number, out: RawDelta): boolean {
  if (!s.startsWith(MARK, at)) return false;
  const literalStart = at + MARK.length;
  const literalEnd = verbatimLiteralEnd(s, literalStart);
  if (literalEnd < 0) return false;
  const end = closesChunk(s, literalEnd);
  if (end < 0) return false;
  out.literalStart = literalStart;
  out.literalEnd = literalEnd;
  out.next = end;
  return true;
}

/** The index just past the chunk's closing brace when `s` from `at` on is one of the tails; else -1. */
function closesChunk(s: string, at: number): number {
  for (const tail of TAILS) {
    if (!s.startsWith(tail, at)) continue;
    let i = at + tail.length;
    if (s.startsWith(NULL_USAGE, i)) i += NULL_USAGE.length;
    if (s.startsWith(OBFUSCATION, i)) {
      // Padding whose value is never used; it only has to be a plain literal.
      i = verbatimLiteralEnd(s, i + OBFUSCATION.length);
      if (i < 0) return -1;
    }
    return s.charCodeAt(i) === 125 ? i + 1 : -1;
  }
  return -1;
}

/** A whole chunk's data (already parsed in full): the length of its head when it has the recognised shape. */
export function contentChunkHead(data: string): number | undefined {
  const at = data.indexOf(MARK);
  // A bare `"choices"…` cannot sit inside a string, so the first match is the key. A head naming `usage` or
  // `error` is not learned: a later chunk's tail might then no longer override it.
  if (at < 1 || data.charCodeAt(0) !== 123 || data.lastIndexOf(`"usage"`, at) >= 0 || data.lastIndexOf(`"error"`, at) >= 0) return undefined;
  const found: RawDelta = { kind: "text", index: 0, literalStart: 0, literalEnd: 0, next: 0 };
  return contentAt(data, at, found) && found.next === data.length ? at : undefined;
}

/**
 * A content chunk with head `head` starting at `s[pos]` (its `data: ` line and blank line included), as the
 * text delta of canonical block `index`: written into `out`, true when recognised.
 */
export function sniffContentChunk(s: string, pos: number, head: string, index: number, out: RawDelta): boolean {
  if (!s.startsWith(DATA, pos) || !s.startsWith(head, pos + DATA.length)) return false;
  if (!contentAt(s, pos + DATA.length + head.length, out)) return false;
  const end = out.next;
  if (out.literalEnd - out.literalStart < 3 || s.charCodeAt(end) !== 10 || s.charCodeAt(end + 1) !== 10) return false;
  out.kind = "text";
  out.index = index;
  out.next = end + 2;
  return true;
}
