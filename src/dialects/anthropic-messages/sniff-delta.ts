/**
 * The raw lane's matcher for Anthropic streams (see src/gateway/stream-converter.ts). Almost every event of a stream is
 *   event: content_block_delta
 *   data: {"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"…"}}
 * (or input_json_delta / partial_json), in exactly these bytes. Recognising them in the raw text saves the SSE
 * event object, JSON.parse, the canonical event and the re-escaping of the text. Anything else — other key order,
 * spacing, CRLF, an escape or a control character in the text, an empty text, thinking — is not recognised and
 * takes the full path, which gives the same result.
 */
import { verbatimLiteralEnd } from "../shared/json-string.ts";
import type { RawDelta } from "../types.ts";

const HEAD = `event: content_block_delta\ndata: {"type":"content_block_delta","index":`;
const TEXT = `,"delta":{"type":"text_delta","text":`;
const ARGS = `,"delta":{"type":"input_json_delta","partial_json":`;
const END = `}}\n\n`;

/** Writes the delta at `s[pos]` into `out` and returns true when the event is one of these. */
export function sniffAnthropicDelta(s: string, pos: number, out: RawDelta): boolean {
  if (!s.startsWith(HEAD, pos)) return false;
  // The index: a JSON integer (no sign, no leading zero), small enough to be exact.
  const first = pos + HEAD.length;
  let i = first;
  let index = 0;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) index = index * 10 + (c - 48);
  const digits = i - first;
  if (digits === 0 || digits > 9 || (digits > 1 && s.charCodeAt(first) === 48)) return false;
  let kind: RawDelta["kind"];
  if (s.startsWith(TEXT, i)) {
    kind = "text";
    i += TEXT.length;
  } else if (s.startsWith(ARGS, i)) {
    kind = "tool_args";
    i += ARGS.length;
  } else return false;
  const literalEnd = verbatimLiteralEnd(s, i);
  if (literalEnd < 0 || literalEnd - i < 3 || !s.startsWith(END, literalEnd)) return false;
  out.kind = kind;
  out.index = index;
  out.literalStart = i;
  out.literalEnd = literalEnd;
  out.next = literalEnd + END.length;
  return true;
}
