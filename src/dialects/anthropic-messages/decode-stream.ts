/** Anthropic SSE (src/dialects/README.md "Anthropic Messages") -> canonical stream events. */
import { GatewayError } from "../../errors.ts";
import type { CanonicalStreamEvent, StreamBlockStart } from "../../canonical/stream-events.ts";
import { stopReasonFromAnthropic } from "../../canonical/map-finish-reason.ts";
import { usageFromAnthropic } from "../../canonical/map-usage.ts";
import { codeForStatus } from "../shared/upstream-error.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import type { SseEvent, StreamDecoder } from "../types.ts";
import { statusForAnthropicType } from "./errors.ts";
import { sniffAnthropicDelta } from "./sniff-delta.ts";

export function createAnthropicStreamDecoder(): StreamDecoder {
  let started = false;
  let finished = false;
  let closed = false;
  let inputUsage: Json = {};

  const start = (out: CanonicalStreamEvent[]) => {
    if (!started) {
      started = true;
      out.push({ type: "start", id: "", model: "" });
    }
  };

  return {
    // A delta changes no state here, so it can be recognised in the raw text at any time before the end.
    sniffRaw: (s, pos, out) => !closed && sniffAnthropicDelta(s, pos, out),
    push(ev: SseEvent) {
      if (closed) return [];
      let d: Json;
      try {
        const parsed = JSON.parse(ev.data);
        if (!isObj(parsed)) return [];
        d = parsed;
      } catch {
        return []; // not JSON: not an Anthropic event (unknown events must be ignored)
      }
      const out: CanonicalStreamEvent[] = [];
      const type = typeof d.type === "string" ? d.type : ev.event;
      const index = typeof d.index === "number" ? d.index : 0;
      switch (type) {
        case "message_start": {
          const m = isObj(d.message) ? d.message : {};
          inputUsage = isObj(m.usage) ? m.usage : {};
          started = true;
          out.push({
            type: "start",
            id: typeof m.id === "string" ? m.id : "",
            model: typeof m.model === "string" ? m.model : "",
            usage: usageFromAnthropic(inputUsage),
          });
          break;
        }
        case "content_block_start": {
          start(out);
          const cb = isObj(d.content_block) ? d.content_block : {};
          let block: StreamBlockStart;
          if (cb.type === "text") block = typeof cb.text === "string" && cb.text ? { type: "text", text: cb.text } : { type: "text" };
          else if (cb.type === "thinking") {
            block = { type: "thinking" };
            if (typeof cb.thinking === "string" && cb.thinking) block.text = cb.thinking;
            if (typeof cb.signature === "string" && cb.signature) block.signature = cb.signature;
          } else if (cb.type === "redacted_thinking") block = { type: "redacted_thinking", data: String(cb.data ?? "") };
          else if (cb.type === "tool_use") block = { type: "tool_call", id: String(cb.id ?? ""), name: String(cb.name ?? "") };
          else block = { type: "raw", dialect: "anthropic-messages", value: cb };
          out.push({ type: "block_start", index, block });
          // Some relays put the whole input in the start block instead of input_json_delta.
          if (cb.type === "tool_use" && isObj(cb.input) && Object.keys(cb.input).length) {
            out.push({ type: "tool_args_delta", index, json: JSON.stringify(cb.input) });
          }
          break;
        }
        case "content_block_delta": {
          const delta = isObj(d.delta) ? d.delta : {};
          switch (delta.type) {
            case "text_delta":
              out.push({ type: "text_delta", index, text: String(delta.text ?? "") });
              break;
            case "input_json_delta":
              if (delta.partial_json) out.push({ type: "tool_args_delta", index, json: String(delta.partial_json) });
              break;
            case "thinking_delta":
              out.push({ type: "thinking_delta", index, text: String(delta.thinking ?? "") });
              break;
            case "signature_delta":
              out.push({ type: "signature_delta", index, signature: String(delta.signature ?? "") });
              break;
            default:
              out.push({ type: "raw_delta", index, dialect: "anthropic-messages", value: delta });
          }
          break;
        }
        case "content_block_stop":
          out.push({ type: "block_stop", index });
          break;
        case "message_delta": {
          start(out);
          // message_delta usage is cumulative (never summed); newer APIs repeat input fields there.
          if (isObj(d.usage)) out.push({ type: "usage", usage: usageFromAnthropic({ ...inputUsage, ...d.usage }) });
          const delta = isObj(d.delta) ? d.delta : {};
          if (!finished && delta.stop_reason != null) {
            finished = true;
            out.push({ type: "finish", stopReason: stopReasonFromAnthropic(delta.stop_reason), stopSequence: (delta.stop_sequence as string | null | undefined) ?? null });
          }
          break;
        }
        case "message_stop":
          start(out);
          closed = true;
          out.push({ type: "end" });
          break;
        case "ping":
          out.push({ type: "ping" });
          break;
        case "error": {
          const e = isObj(d.error) ? d.error : {};
          const status = statusForAnthropicType(e.type);
          closed = true;
          out.push({
            type: "error",
            error: new GatewayError(status, codeForStatus(status), typeof e.message === "string" ? e.message : "Upstream stream error", {
              upstreamType: typeof e.type === "string" ? e.type : undefined,
              retryable: status === 429 || status >= 500,
            }),
          });
          break;
        }
        // Unknown event types are ignored, as Anthropic asks of clients (new ones appear).
      }
      return out;
    },
    end() {
      if (closed) return [];
      closed = true;
      // Pitfall 14: a truncated stream is an error, never a normal stop.
      return [{ type: "error", error: new GatewayError(502, "upstream_error", "Upstream stream ended before message_stop", { retryable: true }) }];
    },
  };
}
