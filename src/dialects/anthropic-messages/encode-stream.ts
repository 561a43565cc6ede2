/**
 * Canonical stream events -> Anthropic SSE for the client (src/dialects/README.md "Anthropic Messages").
 * Invariants the SDK and Claude Code rely on (they fail with "Content block not found" and the like otherwise): message_start first and once, block indices
 * contiguous from 0, each block started before its deltas and stopped exactly once, deltas only
 * for the open block, one message_delta (stop reason + numeric usage) then message_stop; no [DONE].
 *
 * Per-token cost (bench/micro.ts): a delta event is concatenated from its block's head, serialised once when
 * the block opens, and the delta's string through jsonString; no object is built per delta.
 */
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import type { StopReason, Usage } from "../../canonical/model.ts";
import { stopReasonToAnthropic } from "../../canonical/map-finish-reason.ts";
import { usageToAnthropic } from "../../canonical/map-usage.ts";
import type { EncodeContext, StreamEncoder } from "../types.ts";
import { jsonString } from "../shared/json-string.ts";
import { encodeAnthropicStreamError } from "./errors.ts";
import { anthropicMessageId, newMessageId } from "./message-id.ts";

const ev = (name: string, json: string) => `event: ${name}\ndata: ${json}\n\n`;

/** Inside a delta event, after its head: the delta's type and field, up to that field's JSON string. */
const TEXT_DELTA = `{"type":"text_delta","text":`;
const THINKING_DELTA = `{"type":"thinking_delta","thinking":`;
const ARGS_DELTA = `{"type":"input_json_delta","partial_json":`;
/** Closes the delta object and the event. */
const DELTA_END = `}}\n\n`;
const deltaHeadFor = (index: number) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":`;
/** The head while no block is open: openSrc is -1 then, so a delta with index -1 still gets through, as index -1. */
const NO_BLOCK_DELTA_HEAD = deltaHeadFor(-1);

export function createAnthropicStreamEncoder(ctx: EncodeContext): StreamEncoder {
  const model = JSON.stringify(ctx.model);
  let started = false;
  let ended = false;
  let nextIndex = 0;
  /** The open block: canonical index and output index. */
  let openSrc = -1;
  let openOut = -1;
  /** `event: content_block_delta\ndata: {"type":"content_block_delta","index":N,"delta":` for the open block. */
  let deltaHead = NO_BLOCK_DELTA_HEAD;
  let hasTool = false;
  let stopReason: StopReason | null = null;
  let stopSequence: string | null = null;
  let finished = false;
  let usage: Usage | undefined;

  const messageStart = (id: string, u: Usage | undefined) => {
    started = true;
    const start = usageToAnthropic(u ?? { inputTokens: 0, outputTokens: 0 });
    return ev(
      "message_start",
      `{"type":"message_start","message":{"id":${JSON.stringify(id ? anthropicMessageId(id) : (ctx.id ?? newMessageId()))},"type":"message","role":"assistant","model":${model},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${JSON.stringify(start)}}}`,
    );
  };
  const ensureStarted = () => (started ? "" : messageStart("", undefined));
  const closeOpen = () => {
    if (openOut < 0) return "";
    const s = ev("content_block_stop", `{"type":"content_block_stop","index":${openOut}}`);
    openOut = -1;
    openSrc = -1;
    deltaHead = NO_BLOCK_DELTA_HEAD;
    return s;
  };
  const delta = (json: string) => `${deltaHead}${json}}\n\n`;

  return {
    // Same text as push() gives for text_delta / tool_args_delta, from the literal instead of the decoded string.
    pushLiteral(kind, index, literal) {
      if (ended || index !== openSrc) return undefined;
      return deltaHead + (kind === "text" ? TEXT_DELTA : ARGS_DELTA) + literal + DELTA_END;
    },
    push(e: CanonicalStreamEvent): string {
      if (ended) return "";
      switch (e.type) {
        case "start":
          if (started) return "";
          if (e.usage) usage = e.usage;
          return messageStart(e.id, e.usage);
        case "block_start": {
          const b = e.block;
          let cb: unknown;
          if (b.type === "text") cb = { type: "text", text: b.text ?? "" };
          else if (b.type === "thinking") cb = { type: "thinking", thinking: b.text ?? "", signature: b.signature ?? "" };
          else if (b.type === "redacted_thinking") cb = { type: "redacted_thinking", data: b.data };
          else if (b.type === "tool_call") {
            hasTool = true;
            cb = { type: "tool_use", id: b.id, name: b.name, input: {} };
          } else return ""; // a block the canonical model does not model; its deltas are skipped too
          const s = ensureStarted() + closeOpen();
          openSrc = e.index;
          openOut = nextIndex++;
          deltaHead = deltaHeadFor(openOut);
          return s + ev("content_block_start", `{"type":"content_block_start","index":${openOut},"content_block":${JSON.stringify(cb)}}`);
        }
        case "text_delta":
          return e.index === openSrc && e.text ? deltaHead + TEXT_DELTA + jsonString(e.text) + DELTA_END : "";
        case "thinking_delta":
          return e.index === openSrc && e.text ? deltaHead + THINKING_DELTA + jsonString(e.text) + DELTA_END : "";
        case "signature_delta":
          return e.index === openSrc ? delta(`{"type":"signature_delta","signature":${JSON.stringify(e.signature)}}`) : "";
        case "thinking_encrypted":
          return ""; // OpenAI's reasoning state: nothing an Anthropic client can send back to OpenAI
        case "tool_args_delta":
          return e.index === openSrc && e.json ? deltaHead + ARGS_DELTA + jsonString(e.json) + DELTA_END : "";
        case "raw_delta":
          return ""; // deltas other dialects have no Anthropic form for
        case "block_stop":
          return e.index === openSrc ? closeOpen() : "";
        case "finish":
          if (!finished) {
            finished = true;
            stopReason = e.stopReason;
            stopSequence = e.stopSequence ?? null;
          }
          return "";
        case "usage":
          usage = e.usage;
          return "";
        case "ping":
          return started ? ev("ping", `{"type":"ping"}`) : "";
        case "end": {
          ended = true;
          const u = usageToAnthropic(usage ?? { inputTokens: 0, outputTokens: 0 });
          return (
            ensureStarted() +
            closeOpen() +
            ev(
              "message_delta",
              `{"type":"message_delta","delta":{"stop_reason":${JSON.stringify(stopReasonToAnthropic(stopReason, hasTool))},"stop_sequence":${JSON.stringify(stopSequence)}},"usage":${JSON.stringify(u)}}`,
            ) +
            ev("message_stop", `{"type":"message_stop"}`)
          );
        }
        case "error":
          ended = true;
          // Close the open block first so the client never sees an unterminated block.
          return closeOpen() + encodeAnthropicStreamError(e.error);
      }
    },
  };
}
