/**
 * Canonical stream events -> Gemini stream chunks for the client (src/dialects/README.md "Gemini"): SSE `data:`
 * lines (`alt=sse`, CRLF like Google's), or the JSON-array form (`[{…},\r\n{…}]`) for clients that did not ask for
 * SSE. Each chunk is a GenerateContentResponse with the new parts only: text and thought text as they come, a
 * function call whole when its block stops (Gemini clients expect calls whole). The last chunk carries the
 * finishReason and the usageMetadata; Gemini CLI retries an answer without a finishReason, so one always comes.
 *
 * Per-token cost (bench/micro.ts): a text chunk is concatenated from a head and a tail serialised once per stream
 * and the delta's string through jsonString; nothing is built per delta.
 */
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import type { StopReason, Usage } from "../../canonical/model.ts";
import { stopReasonToGemini } from "../../canonical/map-finish-reason.ts";
import { usageToGemini } from "../../canonical/map-usage.ts";
import { splitToolCallId } from "../../canonical/tool-call-id.ts";
import { jsonString } from "../shared/json-string.ts";
import { isObj } from "../shared/json-shape.ts";
import type { EncodeContext, StreamEncoder } from "../types.ts";
import { encodeGeminiStreamError } from "./errors.ts";
import { newGeminiResponseId } from "./response.ts";

const PARTS_HEAD = `{"candidates":[{"content":{"role":"model","parts":[`;
const TEXT = `{"text":`;
/** Closes a text part, the parts, content and candidate: up to the chunk's own fields. */
const TEXT_END = `}]},"index":0}],`;
const THOUGHT_END = `,"thought":true}]},"index":0}],`;

function argsJson(args: string): string {
  if (!args) return "{}";
  try {
    const v = JSON.parse(args);
    return isObj(v) ? args : JSON.stringify({ _raw: args });
  } catch {
    return JSON.stringify({ _raw: args });
  }
}

export function createGeminiStreamEncoder(ctx: EncodeContext): StreamEncoder {
  const array = ctx.streamFraming === "json-array";
  let started = false;
  let ended = false;
  /** The chunk's fields after the candidates: model and response id (`"modelVersion":…,"responseId":…}`). */
  let tail = "";
  /** A chunk begins with `data: ` (SSE) or, in the array form, `[` for the first and `,\r\n` for the others. */
  let first = true;
  let openSrc = -1;
  let openKind: "text" | "thinking" | "tool" | "other" | null = null;
  let toolName = "";
  let toolId = "";
  let toolSig: string | undefined;
  let toolArgs = "";
  let stopReason: StopReason | null = null;
  let usage: Usage | undefined;
  /** A text's signature, sent with the next chunk's parts or the last chunk. */
  let pendingSignature: string | undefined;

  const lead = () => {
    if (!array) return "data: ";
    if (first) {
      first = false;
      return "[";
    }
    return ",\r\n";
  };
  const end = array ? "" : "\r\n\r\n";
  const start = (id: string) => {
    started = true;
    tail = `"modelVersion":${JSON.stringify(ctx.model)},"responseId":${JSON.stringify(id || ctx.id || newGeminiResponseId())}}`;
  };
  const ensureStarted = () => {
    if (!started) start("");
  };
  /** A chunk holding `parts` (JSON of the parts, comma-separated). */
  const chunk = (parts: string) => `${lead()}${PARTS_HEAD}${parts}]},"index":0}],${tail}${end}`;
  const flushSignature = () => {
    if (pendingSignature === undefined) return "";
    const s = chunk(`{"text":"","thoughtSignature":${JSON.stringify(pendingSignature)}}`);
    pendingSignature = undefined;
    return s;
  };
  const closeOpen = () => {
    let s = "";
    if (openKind === "tool") {
      let part = `{"functionCall":{"name":${JSON.stringify(toolName)},"args":${argsJson(toolArgs)},"id":${JSON.stringify(toolId)}}`;
      if (toolSig) part += `,"thoughtSignature":${JSON.stringify(toolSig)}`;
      s = flushSignature() + chunk(`${part}}`);
    }
    openKind = null;
    openSrc = -1;
    return s;
  };
  const textChunk = (literal: string, kind: "text" | "thinking") =>
    flushSignature() + lead() + PARTS_HEAD + TEXT + literal + (kind === "text" ? TEXT_END : THOUGHT_END) + tail + end;

  return {
    pushLiteral(kind, index, literal) {
      if (ended || kind !== "text" || index !== openSrc || openKind !== "text" || pendingSignature !== undefined) return undefined;
      return lead() + PARTS_HEAD + TEXT + literal + TEXT_END + tail + end;
    },
    push(e: CanonicalStreamEvent): string {
      if (ended) return "";
      switch (e.type) {
        case "start":
          if (!started) start(e.id);
          return "";
        case "block_start": {
          ensureStarted();
          const s = closeOpen();
          openSrc = e.index;
          const b = e.block;
          if (b.type === "text" || b.type === "thinking") {
            openKind = b.type;
            return b.text ? s + textChunk(jsonString(b.text), b.type) : s;
          }
          if (b.type === "tool_call") {
            openKind = "tool";
            const split = splitToolCallId(b.id);
            toolId = split.id;
            toolSig = b.thoughtSignature ?? split.signature;
            toolName = b.name;
            toolArgs = "";
            return s;
          }
          openKind = "other"; // redacted thinking, server-tool blocks: no Gemini form
          return s;
        }
        case "text_delta":
          return e.index === openSrc && openKind === "text" && e.text ? textChunk(jsonString(e.text), "text") : "";
        case "thinking_delta":
          return e.index === openSrc && openKind === "thinking" && e.text ? textChunk(jsonString(e.text), "thinking") : "";
        case "tool_args_delta":
          if (e.index === openSrc && openKind === "tool") toolArgs += e.json;
          return "";
        case "signature_delta":
        case "thinking_encrypted":
        case "raw_delta":
        case "ping":
          return ""; // Anthropic's signatures, OpenAI's reasoning state and other deltas have no Gemini form; Gemini streams have no keep-alive
        case "block_stop": {
          if (e.index !== openSrc) return "";
          const s = closeOpen();
          if (e.thoughtSignature) pendingSignature = e.thoughtSignature;
          return s;
        }
        case "finish":
          stopReason = e.stopReason;
          return "";
        case "usage":
          usage = e.usage;
          return "";
        case "end": {
          ensureStarted();
          let s = closeOpen();
          ended = true;
          const part = pendingSignature !== undefined ? `{"text":"","thoughtSignature":${JSON.stringify(pendingSignature)}}` : `{"text":""}`;
          s += `${lead()}${PARTS_HEAD}${part}]},"finishReason":${JSON.stringify(stopReasonToGemini(stopReason))},"index":0}],"usageMetadata":${JSON.stringify(usageToGemini(usage ?? { inputTokens: 0, outputTokens: 0 }))},${tail}${end}`;
          return array ? `${s}]` : s;
        }
        case "error": {
          ended = true;
          if (!array) return encodeGeminiStreamError(e.error);
          return `${lead()}${encodeGeminiStreamError(e.error, "json-array")}]`;
        }
      }
    },
  };
}
