/**
 * Anthropic thinking carried through a Responses client. An Anthropic upstream needs its signed thinking blocks
 * back in a tool loop (or thinking is turned off for that turn); a Responses client keeps reasoning only as
 * `reasoning` items, whose `encrypted_content` it returns untouched when it asked for
 * `include: ["reasoning.encrypted_content"]` (Codex always does, and sends `store: false`). So the gateway puts
 * the signature (or a redacted block's data) into `encrypted_content` behind a marker, and reads it back when the
 * item returns. OpenAI's own encrypted content never starts with the marker (`:` is not a base64 character).
 *
 * The thinking text travels in the item's summary when the client asked for summaries; otherwise the summary is
 * empty (as OpenAI sends it) and the text rides in the envelope too, since the signature is checked against it.
 */
const MARK = "llmgw:1:";

export type Envelope =
  | { kind: "thinking"; signature: string; text?: string }
  | { kind: "redacted"; data: string };

export function sealEnvelope(e: Envelope): string {
  const body = e.kind === "redacted" ? { d: "anthropic-messages", r: e.data } : e.text === undefined ? { d: "anthropic-messages", s: e.signature } : { d: "anthropic-messages", s: e.signature, t: e.text };
  return MARK + Buffer.from(JSON.stringify(body)).toString("base64url");
}

/** The envelope inside `encrypted_content`, or undefined for content the gateway did not make. */
export function openEnvelope(content: string): Envelope | undefined {
  if (!content.startsWith(MARK)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(content.slice(MARK.length), "base64url").toString());
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  if (b.d !== "anthropic-messages") return undefined;
  if (typeof b.r === "string") return { kind: "redacted", data: b.r };
  if (typeof b.s !== "string") return undefined;
  return typeof b.t === "string" ? { kind: "thinking", signature: b.s, text: b.t } : { kind: "thinking", signature: b.s };
}
