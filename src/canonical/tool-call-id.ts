/**
 * Gemini thought signatures carried inside the tool-call ids that non-Gemini clients see
 * (src/dialects/README.md "Thought signatures").
 *
 * Gemini signs the function calls of a thinking model's turn and wants each signature back, unchanged, with the
 * call on the next request (Gemini 3 answers 400 without it). An OpenAI or Anthropic client has no field for it, but
 * it echoes every tool-call id exactly. So the signature travels in the id: `gsig<n>_<payload>_<id>`, where the
 * payload is the signature in base64url (`<n>` its length) and `<id>` the call's own id. Why the id and not a
 * gateway-side map: nothing to keep, bound or lose on a restart, and it works across gateway instances and
 * accounts. Costs: ids grow by the signature's size (bounded by MAX_SIGNATURE_IN_ID; a longer one is not carried,
 * and the next request uses Gemini's documented "skip" value instead), and they only use `[A-Za-z0-9_-]`, so
 * Anthropic's id rule still holds.
 */

const PREFIX = "gsig";
/** Signatures longer than this are not put into ids (an id of tens of kilobytes would ride along every later turn). */
export const MAX_SIGNATURE_IN_ID = 16384;
/** Gemini's documented value for a function call whose signature is unknown (history from another model). */
export const SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]+$/;

/** `b` + the signature's own base64 in the URL alphabet (when it is padded base64, the usual case), else `u` + base64url of its UTF-8. */
function encodePayload(sig: string): string {
  if (sig.length % 4 === 0 && BASE64.test(sig)) return `b${sig.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}`;
  return `u${Buffer.from(sig, "utf8").toString("base64url")}`;
}

function decodePayload(p: string): string | undefined {
  const body = p.slice(1);
  if (p[0] === "b") {
    const b64 = body.replace(/-/g, "+").replace(/_/g, "/");
    return b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  }
  if (p[0] === "u") return Buffer.from(body, "base64url").toString("utf8");
  return undefined;
}

/** The id a non-Gemini client sees for a call Gemini signed; the id itself when there is no signature or it is too long. */
export function idWithSignature(id: string, signature: string | undefined): string {
  if (!signature || signature.length > MAX_SIGNATURE_IN_ID) return id;
  const payload = encodePayload(signature);
  return `${PREFIX}${payload.length}_${payload}_${id}`;
}

/** Splits an id made by idWithSignature; any other id comes back as it is, without a signature. */
export function splitToolCallId(id: string): { id: string; signature?: string } {
  if (!id.startsWith(PREFIX)) return { id };
  const us = id.indexOf("_", PREFIX.length);
  if (us < 0) return { id };
  const len = Number(id.slice(PREFIX.length, us));
  const start = us + 1;
  if (!Number.isInteger(len) || len < 2 || id[start + len] !== "_" || id.length === start + len + 1) return { id };
  const payload = id.slice(start, start + len);
  if (!URL_SAFE.test(payload)) return { id };
  const signature = decodePayload(payload);
  return signature === undefined ? { id } : { id: id.slice(start + len + 1), signature };
}

/**
 * The id to send to a non-Gemini upstream: the call's own id, without a signature carried in it. Gemini signatures
 * mean nothing elsewhere, and OpenAI refuses tool-call ids over 40 characters; the pairing of calls and results is
 * kept, since both sides of it are cut the same way.
 */
export const idWithoutSignature = (id: string): string => (id.startsWith(PREFIX) ? splitToolCallId(id).id : id);

const ID_IN_JSON = /"gsig(\d{1,6})_/g;

/**
 * idWithoutSignature for a body that is passed through as text (a client and an upstream of the same non-Gemini
 * dialect, after a conversation moved off a Gemini account): every JSON string that starts with a carried
 * signature loses it. The caller looks for `"gsig` first, so bodies without one cost one substring search.
 */
export function idsWithoutSignatureInJson(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(ID_IN_JSON)) {
    if (text[m.index - 1] === "\\") continue; // `\"gsig…` is inside a string, not the start of one
    const payloadStart = m.index + m[0].length;
    const after = payloadStart + Number(m[1]);
    if (text[after] !== "_" || text[after + 1] === '"' || after + 1 >= text.length) continue;
    const payload = text.slice(payloadStart, after);
    if ((payload[0] !== "b" && payload[0] !== "u") || !URL_SAFE.test(payload)) continue;
    out += text.slice(last, m.index + 1);
    last = after + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}
