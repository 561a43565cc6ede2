/**
 * Gemini `streamGenerateContent?alt=sse` -> canonical stream events (src/dialects/README.md "Gemini").
 *
 * Every event is a whole GenerateContentResponse whose parts are increments: text parts are new text, function
 * calls arrive whole. There is no terminator: the chunk with a `finishReason` is the last, so the stream is
 * complete when it came (and its usage, the final counts, came with it or before); a body that ends before it was
 * cut. Thought parts (`thought: true`) are thinking blocks; a thought signature rides on the part it came with:
 * a function call's in its block start (and in the id non-Gemini clients see), a text's at its block stop.
 */
import { GatewayError } from "../../errors.ts";
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import { stopReasonFromGemini } from "../../canonical/map-finish-reason.ts";
import { geminiUsageHasCounts, usageFromGemini } from "../../canonical/map-usage.ts";
import { idWithSignature } from "../../canonical/tool-call-id.ts";
import { codeForStatus } from "../shared/upstream-error.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import type { SseEvent, StreamDecoder } from "../types.ts";
import { field } from "./fields.ts";
import { functionCallId, firstCandidate } from "./response.ts";
import { learnTextChunk, sniffTextChunk, type TextChunkShape } from "./sniff-chunk.ts";

type Open = { index: number; kind: "text" | "thinking"; signature?: string };

export function createGeminiStreamDecoder(): StreamDecoder {
  let started = false;
  let closed = false;
  let finished = false;
  let nextIndex = 0;
  let open: Open | null = null;
  let calls = 0;
  let responseId = "";
  let usageSeen = false;
  /** The bytes around the text literal of a plain text chunk parsed in full (sniff-chunk.ts). */
  let shape: TextChunkShape | undefined;

  const close = (out: CanonicalStreamEvent[]) => {
    if (!open) return;
    out.push(open.signature ? { type: "block_stop", index: open.index, thoughtSignature: open.signature } : { type: "block_stop", index: open.index });
    open = null;
  };
  const end = (out: CanonicalStreamEvent[]) => {
    close(out);
    closed = true;
    out.push({ type: "end" });
  };

  const part = (p: Json, out: CanonicalStreamEvent[]) => {
    const sig = field(p, "thoughtSignature");
    const signature = typeof sig === "string" && sig ? sig : undefined;
    if (typeof p.text === "string") {
      const kind = p.thought === true ? "thinking" : "text";
      if (p.text === "" && !signature) return;
      // A new block for another kind, or for a second signature (each signature belongs to its own part).
      if (!open || open.kind !== kind || (signature && open.signature)) {
        close(out);
        open = { index: nextIndex++, kind };
        out.push({ type: "block_start", index: open.index, block: { type: kind } });
      }
      if (p.text) out.push(kind === "text" ? { type: "text_delta", index: open.index, text: p.text } : { type: "thinking_delta", index: open.index, text: p.text });
      if (signature) open.signature = signature;
      return;
    }
    close(out);
    const index = nextIndex++;
    const call = field(p, "functionCall");
    if (isObj(call)) {
      const own = typeof call.id === "string" && call.id ? call.id : functionCallId(responseId, calls);
      calls++;
      const block: CanonicalStreamEvent & { type: "block_start" } = {
        type: "block_start", index, block: { type: "tool_call", id: idWithSignature(own, signature), name: String(call.name ?? "") },
      };
      if (signature && block.block.type === "tool_call") block.block.thoughtSignature = signature;
      out.push(block);
      out.push({ type: "tool_args_delta", index, json: JSON.stringify(isObj(call.args) ? call.args : {}) });
    } else {
      // Inline images, executable code and the like: other dialects skip raw blocks.
      out.push({ type: "block_start", index, block: { type: "raw", dialect: "gemini", value: p } });
    }
    out.push({ type: "block_stop", index });
  };

  return {
    sniffRaw(s, pos, out) {
      if (closed || shape === undefined || open?.kind !== "text" || open.signature) return false;
      return sniffTextChunk(s, pos, shape, open.index, out);
    },
    push(ev: SseEvent) {
      if (closed) return [];
      let d: Json;
      try {
        const parsed = JSON.parse(ev.data);
        if (!isObj(parsed)) return [];
        d = parsed;
      } catch {
        return [];
      }
      const out: CanonicalStreamEvent[] = [];
      if (isObj(d.error)) {
        const e = d.error;
        const status = typeof e.code === "number" && e.code >= 400 ? e.code : 500;
        close(out);
        closed = true;
        out.push({
          type: "error",
          error: new GatewayError(status, codeForStatus(status), typeof e.message === "string" ? e.message : "Upstream stream error", {
            upstreamType: typeof e.status === "string" ? e.status : undefined,
            retryable: status === 429 || status >= 500,
          }),
        });
        return out;
      }
      if (!started) {
        started = true;
        const rid = field(d, "responseId");
        responseId = typeof rid === "string" ? rid : "";
        const mv = field(d, "modelVersion");
        out.push({ type: "start", id: responseId, model: typeof mv === "string" ? mv : "" });
      }
      const cand = firstCandidate(d);
      const parts = cand && isObj(cand.content) && Array.isArray(cand.content.parts) ? cand.content.parts : [];
      for (const p of parts) if (isObj(p)) part(p, out);
      const um = field(d, "usageMetadata");
      const counted = geminiUsageHasCounts(um);
      if (counted) {
        usageSeen = true;
        out.push({ type: "usage", usage: usageFromGemini(um) });
      }
      const reason = cand ? field(cand, "finishReason") : undefined;
      const feedback = field(d, "promptFeedback");
      if (!finished && reason !== undefined && reason !== null) {
        finished = true;
        out.push({ type: "finish", stopReason: stopReasonFromGemini(reason) ?? "stop" });
      } else if (!finished && !cand && isObj(feedback) && field(feedback, "blockReason") !== undefined) {
        // A blocked prompt: no candidate, only promptFeedback.blockReason.
        finished = true;
        out.push({ type: "finish", stopReason: "content_filter" });
      }
      // The finish chunk is the last; it carries the final usage. Without counts yet, wait for the body's end.
      if (finished && usageSeen) end(out);
      else if (shape === undefined && !finished && !counted && (open as Open | null)?.kind === "text" && !(open as Open | null)?.signature && parts.length === 1 && out.length === 1 && out[0]!.type === "text_delta") {
        shape = learnTextChunk(ev.data, out[0]!.text);
      }
      return out;
    },
    end() {
      if (closed) return [];
      const out: CanonicalStreamEvent[] = [];
      if (finished) {
        end(out);
        return out;
      }
      closed = true;
      close(out);
      out.push({ type: "error", error: new GatewayError(502, "upstream_error", "Upstream stream ended before a finishReason", { retryable: true }) });
      return out;
    },
  };
}
