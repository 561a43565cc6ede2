/** Gemini `GenerateContentResponse` <-> canonical response (src/dialects/README.md "Gemini"). */
import type { Block, CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromGemini, stopReasonToGemini } from "../../canonical/map-finish-reason.ts";
import { usageFromGemini, usageToGemini } from "../../canonical/map-usage.ts";
import { idWithSignature, splitToolCallId } from "../../canonical/tool-call-id.ts";
import type { EncodeContext } from "../types.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import { field } from "./fields.ts";

export const newGeminiResponseId = () => crypto.randomUUID().replace(/-/g, "").slice(0, 22);

/**
 * The id a function call gets when Gemini sent none: stable for one answer (its response id and the call's
 * position), so a stream and a retry of the same decoding agree, and within the limits of every client
 * (`[A-Za-z0-9_-]`, short enough for OpenAI's 40 characters before a signature is added).
 */
export function functionCallId(responseId: string, k: number): string {
  const base = responseId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 24) || "gw";
  return `call_${base}_${k}`;
}

/** The first candidate (index 0): the canonical model carries one, and Gemini clients may ask for one only here. */
export function firstCandidate(body: Json): Json | undefined {
  const cs = body.candidates;
  if (!Array.isArray(cs)) return undefined;
  return (cs.find((c) => isObj(c) && (c.index ?? 0) === 0) as Json | undefined) ?? undefined;
}

/** One part -> its block, or undefined for a part that carries nothing (an empty text without a signature). */
export function decodeResponsePart(p: Json, responseId: string, k: { calls: number }): Block | undefined {
  const sig = field(p, "thoughtSignature");
  const signature = typeof sig === "string" && sig ? sig : undefined;
  if (typeof p.text === "string") {
    if (p.text === "" && !signature) return undefined;
    const b: Block = p.thought === true ? { type: "thinking", text: p.text } : { type: "text", text: p.text };
    if (signature) b.thoughtSignature = signature;
    return b;
  }
  const call = field(p, "functionCall");
  if (isObj(call)) {
    const own = typeof call.id === "string" && call.id ? call.id : functionCallId(responseId, k.calls);
    k.calls++;
    const b: Block = { type: "tool_call", id: idWithSignature(own, signature), name: String(call.name ?? ""), arguments: JSON.stringify(isObj(call.args) ? call.args : {}) };
    if (signature) b.thoughtSignature = signature;
    return b;
  }
  const inline = field(p, "inlineData");
  if (isObj(inline) && typeof inline.data === "string") {
    const mt = String(field(inline, "mimeType") ?? "application/octet-stream");
    if (mt.startsWith("image/")) return { type: "image", source: { type: "base64", mediaType: mt, data: inline.data } };
  }
  return { type: "raw", dialect: "gemini", value: p };
}

export function decodeGeminiResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const id = typeof field(b, "responseId") === "string" ? (field(b, "responseId") as string) : "";
  const cand = firstCandidate(b);
  const content: Block[] = [];
  const parts = cand && isObj(cand.content) && Array.isArray(cand.content.parts) ? cand.content.parts : [];
  const k = { calls: 0 };
  for (const p of parts) {
    if (!isObj(p)) continue;
    const block = decodeResponsePart(p, id, k);
    if (!block) continue;
    // Gemini often ends a text with an empty part that carries only the signature: it belongs to that text.
    const prev = content[content.length - 1];
    if (block.type === "text" && block.text === "" && prev?.type === "text" && !prev.thoughtSignature) {
      prev.thoughtSignature = block.thoughtSignature;
      continue;
    }
    content.push(block);
  }
  const feedback = field(b, "promptFeedback");
  let stopReason = stopReasonFromGemini(cand ? field(cand, "finishReason") : undefined);
  // A blocked prompt has no candidate at all, only promptFeedback.blockReason: an answer filtered to nothing.
  if (!cand && isObj(feedback) && field(feedback, "blockReason") !== undefined) stopReason = "content_filter";
  const res: CanonicalResponse = {
    id,
    model: typeof field(b, "modelVersion") === "string" ? (field(b, "modelVersion") as string) : "",
    content,
    stopReason,
    usage: usageFromGemini(field(b, "usageMetadata")),
  };
  const ratings = cand ? field(cand, "safetyRatings") : undefined;
  if (Array.isArray(ratings)) res.safetyRatings = ratings;
  if (feedback !== undefined) res.promptFeedback = feedback;
  return res;
}

/** A canonical block as a Gemini part, or undefined when Gemini clients have no form for it. */
export function encodeResponsePart(b: Block): Json | undefined {
  switch (b.type) {
    case "text":
      return b.thoughtSignature ? { text: b.text, thoughtSignature: b.thoughtSignature } : { text: b.text };
    case "refusal":
      return { text: b.text };
    case "thinking":
      return b.thoughtSignature ? { text: b.text, thought: true, thoughtSignature: b.thoughtSignature } : { text: b.text, thought: true };
    case "tool_call": {
      const { id, signature } = splitToolCallId(b.id);
      let args: unknown;
      try {
        args = b.arguments ? JSON.parse(b.arguments) : {};
      } catch {
        args = { _raw: b.arguments };
      }
      const part: Json = { functionCall: { id, name: b.name, args: isObj(args) ? args : { _raw: b.arguments } } };
      const sig = b.thoughtSignature ?? signature;
      if (sig) part.thoughtSignature = sig;
      return part;
    }
    case "image":
      return b.source.type === "base64" ? { inlineData: { mimeType: b.source.mediaType, data: b.source.data } } : undefined;
    case "raw":
      return b.dialect === "gemini" ? (b.value as Json) : undefined;
    default:
      // Anthropic redacted thinking, server-tool blocks...: no Gemini form.
      return undefined;
  }
}

export function encodeGeminiResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  const parts: Json[] = [];
  for (const b of res.content) {
    const p = encodeResponsePart(b);
    if (p) parts.push(p);
  }
  const cand: Json = { content: { role: "model", parts }, finishReason: stopReasonToGemini(res.stopReason), index: 0 };
  if (res.safetyRatings) cand.safetyRatings = res.safetyRatings;
  const out: Json = { candidates: [cand] };
  if (res.promptFeedback !== undefined) out.promptFeedback = res.promptFeedback;
  out.usageMetadata = usageToGemini(res.usage);
  out.modelVersion = ctx.model;
  out.responseId = res.id || ctx.id || newGeminiResponseId();
  return out;
}
