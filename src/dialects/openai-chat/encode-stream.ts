/**
 * Canonical stream events -> OpenAI `chat.completion.chunk` SSE for the client (src/dialects/README.md
 * "OpenAI Chat Completions"): role chunk first; the same id/created/model on every chunk; tool-call `index` is
 * its own counter over tool calls (not the Anthropic block index, which breaks the SDK's accumulator); a tool
 * call without argument text gets "{}", not ""; exactly one finish chunk; the usage chunk (`choices: []`) only
 * when the client set include_usage, after the finish chunk; `[DONE]` last.
 *
 * Per-token cost (bench/micro.ts): chunk text is concatenated from parts serialised once per stream (the
 * id/created/model head of every chunk) or once per block (the tool-call head), plus the delta's string
 * through jsonString; no object is built and nothing constant is serialised again.
 */
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import type { StopReason, Usage } from "../../canonical/model.ts";
import { stopReasonToOpenAI } from "../../canonical/map-finish-reason.ts";
import { usageToOpenAI } from "../../canonical/map-usage.ts";
import type { EncodeContext, StreamEncoder } from "../types.ts";
import { jsonString } from "../shared/json-string.ts";
import { encodeOpenAIStreamError } from "./errors.ts";
import { newChatCompletionId } from "./response.ts";

/** What follows the delta object in every chunk but the finish chunk. */
const DELTA_END = `,"logprobs":null,"finish_reason":null}]}\n\n`;
/** After a delta's string: closes `{"content":…}` / `{"reasoning_content":…}`, then DELTA_END. */
const STRING_DELTA_END = `}${DELTA_END}`;
/** After a tool call's argument text: closes `{"tool_calls":[{…,"function":{"arguments":…}}]}`, then DELTA_END. */
const ARGS_DELTA_END = `}}]}${DELTA_END}`;

export function createOpenAIChatStreamEncoder(ctx: EncodeContext): StreamEncoder {
  let prefix = "";
  /** `data: {"id":…,"model":…,"choices":[{"index":0,"delta":` — the same for every chunk of the stream. */
  let head = "";
  let contentHead = "";
  let reasoningHead = "";
  /** The open tool call's argument chunks up to the argument text. */
  let argsHead = "";
  let started = false;
  let ended = false;
  let finished = false;
  let toolCounter = -1;
  let openSrc = -1;
  let openKind: "text" | "thinking" | "tool" | "other" | null = null;
  let openTool = -1;
  let argsSeen = false;
  let thinkingText = "";
  let signature: string | undefined;
  let usage: Usage | undefined;
  let hasTool = false;

  const chunk = (delta: string, finish: string | null = null) =>
    finish === null ? head + delta + DELTA_END : `${head}${delta},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}]}\n\n`;

  const start = (id: string, created?: number) => {
    started = true;
    const chunkId = id ? (id.startsWith("chatcmpl") ? id : `chatcmpl-${id}`) : (ctx.id ?? newChatCompletionId());
    prefix = `{"id":${JSON.stringify(chunkId)},"object":"chat.completion.chunk","created":${created ?? ctx.created ?? Math.floor(Date.now() / 1000)},"model":${JSON.stringify(ctx.model)},`;
    head = `data: ${prefix}"choices":[{"index":0,"delta":`;
    contentHead = `${head}{"content":`;
    reasoningHead = `${head}{"reasoning_content":`;
    return chunk(`{"role":"assistant","content":""}`);
  };
  const ensureStarted = () => (started ? "" : start(""));

  const closeOpen = () => {
    let s = "";
    if (openKind === "tool" && !argsSeen) {
      s = chunk(`{"tool_calls":[{"index":${openTool},"function":{"arguments":"{}"}}]}`);
    } else if (openKind === "thinking" && signature !== undefined) {
      // The signature travels in LiteLLM's thinking_blocks so the client can send the block back
      // (src/dialects/README.md "Thinking through OpenAI clients").
      s = chunk(JSON.stringify({ thinking_blocks: [{ type: "thinking", thinking: thinkingText, signature }] }));
    }
    openKind = null;
    openSrc = -1;
    return s;
  };

  const finishChunk = (reason: StopReason | null) => {
    finished = true;
    return chunk("{}", stopReasonToOpenAI(reason, hasTool));
  };

  return {
    // Same text as push() gives for text_delta / tool_args_delta, from the literal instead of the decoded string.
    pushLiteral(kind, index, literal) {
      if (ended || index !== openSrc) return undefined;
      if (kind === "text") return openKind === "text" ? contentHead + literal + STRING_DELTA_END : undefined;
      if (openKind !== "tool") return undefined;
      argsSeen = true;
      return argsHead + literal + ARGS_DELTA_END;
    },
    push(e: CanonicalStreamEvent): string {
      if (ended) return "";
      switch (e.type) {
        case "start":
          return started ? "" : start(e.id, e.created);
        case "block_start": {
          let s = ensureStarted() + closeOpen();
          openSrc = e.index;
          const b = e.block;
          if (b.type === "text") {
            openKind = "text";
            if (b.text) s += contentHead + jsonString(b.text) + STRING_DELTA_END;
          } else if (b.type === "thinking") {
            openKind = "thinking";
            thinkingText = b.text ?? "";
            signature = b.signature;
            if (b.text) s += reasoningHead + jsonString(b.text) + STRING_DELTA_END;
          } else if (b.type === "tool_call") {
            openKind = "tool";
            hasTool = true;
            openTool = ++toolCounter;
            argsSeen = false;
            argsHead = `${head}{"tool_calls":[{"index":${openTool},"function":{"arguments":`;
            s += chunk(`{"tool_calls":[{"index":${openTool},"id":${JSON.stringify(b.id)},"type":"function","function":{"name":${JSON.stringify(b.name)},"arguments":""}}]}`);
          } else if (b.type === "redacted_thinking") {
            openKind = "other";
            s += chunk(JSON.stringify({ thinking_blocks: [{ type: "redacted_thinking", data: b.data }] }));
          } else openKind = "other"; // server tool blocks etc.: no Chat Completions form
          return s;
        }
        case "text_delta":
          return e.index === openSrc && openKind === "text" && e.text ? contentHead + jsonString(e.text) + STRING_DELTA_END : "";
        case "thinking_delta":
          if (e.index !== openSrc || openKind !== "thinking" || !e.text) return "";
          thinkingText += e.text;
          // Non-standard but widespread reasoning field (DeepSeek, LiteLLM, many compatible servers).
          return reasoningHead + jsonString(e.text) + STRING_DELTA_END;
        case "signature_delta":
          if (e.index === openSrc && openKind === "thinking") signature = (signature ?? "") + e.signature;
          return "";
        case "thinking_encrypted":
          return ""; // OpenAI Responses reasoning state has no Chat Completions form
        case "tool_args_delta":
          if (e.index !== openSrc || openKind !== "tool" || !e.json) return "";
          argsSeen = true;
          return argsHead + jsonString(e.json) + ARGS_DELTA_END;
        case "raw_delta":
          return ""; // citations and other Anthropic-only deltas have no Chat Completions form
        case "block_stop":
          return e.index === openSrc ? closeOpen() : "";
        case "finish":
          return finished ? "" : ensureStarted() + closeOpen() + finishChunk(e.stopReason);
        case "usage":
          usage = e.usage;
          return "";
        case "ping":
          return started ? ": ping\n\n" : "";
        case "end": {
          ended = true;
          let s = ensureStarted() + closeOpen();
          if (!finished) s += finishChunk(null);
          if (ctx.includeUsage) s += `data: ${prefix}"choices":[],"usage":${JSON.stringify(usageToOpenAI(usage ?? { inputTokens: 0, outputTokens: 0 }))}}\n\n`;
          return s + "data: [DONE]\n\n";
        }
        case "error":
          ended = true;
          return encodeOpenAIStreamError(e.error);
      }
    },
  };
}
