/**
 * The raw lane's matcher for Gemini streams (see src/gateway/stream-converter.ts). Between the first and the last
 * chunk, nearly every chunk is one text part:
 *   data: {"candidates":[{"content":{"parts":[{"text":"…"}],"role":"model"},"index":0}],<usage, model, id>}
 * and the bytes around the text literal are the same from chunk to chunk (whatever Google's key order and
 * spacing). The decoder learns them from a chunk it parsed in full and found to be exactly one plain text part,
 * without usage counts, finishReason, signature or error; a chunk is then recognised only when everything but its
 * text literal is byte-identical, so it means what the full parse would make of it: one more text delta.
 */
import { verbatimLiteralEnd } from "../shared/json-string.ts";
import type { RawDelta } from "../types.ts";

const DATA = "data: ";

export interface TextChunkShape {
  /** The chunk's data before its text literal. */
  head: string;
  /** The chunk's data after it. */
  tail: string;
}

/** The shape of a whole chunk's data, when its first `"text":` key is followed by the verbatim literal of `text`. */
export function learnTextChunk(data: string, text: string): TextChunkShape | undefined {
  const key = data.indexOf(`"text"`);
  if (key < 0) return undefined;
  let at = key + 6;
  while (data.charCodeAt(at) === 32) at++;
  if (data.charCodeAt(at) !== 58) return undefined; // ':'
  at++;
  while (data.charCodeAt(at) === 32) at++;
  const end = verbatimLiteralEnd(data, at);
  if (end < 0 || data.slice(at, end) !== JSON.stringify(text)) return undefined;
  const tail = data.slice(end);
  // A second text key or a signature in the tail would make the same bytes mean more than one delta.
  if (tail.includes(`"text"`) || tail.includes(`"thought`) || tail.includes(`"finishReason"`)) return undefined;
  return { head: data.slice(0, at), tail };
}

/**
 * A chunk of `shape` starting at `s[pos]` (its `data: ` line and blank line, LF or CRLF, included) as the text
 * delta of canonical block `index`: written into `out`, true when recognised.
 */
export function sniffTextChunk(s: string, pos: number, shape: TextChunkShape, index: number, out: RawDelta): boolean {
  if (!s.startsWith(DATA, pos) || !s.startsWith(shape.head, pos + DATA.length)) return false;
  const literalStart = pos + DATA.length + shape.head.length;
  const literalEnd = verbatimLiteralEnd(s, literalStart);
  // An empty literal would be no delta at all.
  if (literalEnd < 0 || literalEnd - literalStart < 3 || !s.startsWith(shape.tail, literalEnd)) return false;
  let i = literalEnd + shape.tail.length;
  if (s.charCodeAt(i) === 13 && s.charCodeAt(i + 1) === 10 && s.charCodeAt(i + 2) === 13 && s.charCodeAt(i + 3) === 10) i += 4;
  else if (s.charCodeAt(i) === 10 && s.charCodeAt(i + 1) === 10) i += 2;
  else return false;
  out.kind = "text";
  out.index = index;
  out.literalStart = literalStart;
  out.literalEnd = literalEnd;
  out.next = i;
  return true;
}
