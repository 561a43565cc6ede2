/**
 * OpenAI Responses SSE (an upstream's stream) -> canonical stream events. Output items arrive one after the
 * other; each becomes canonical blocks: a message's content parts are text blocks (refusal text included, as the
 * Chat decoder does), a reasoning item a thinking block (summary parts joined by a blank line, raw reasoning text
 * too, its encrypted content as `thinking_encrypted`), a function call a tool_call block, a custom tool call a
 * tool_call block whose arguments are built as `{"input": "..."}` while the input streams. Built-in tool items
 * are raw blocks. `response.completed` / `response.incomplete` (and a third party's `response.done` or `[DONE]`)
 * end the stream; `response.failed` and `error` are errors, and a stream cut before any of them is an error too.
 */
import { GatewayError } from "../../errors.ts";
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import { stopReasonFromResponses } from "../../canonical/map-finish-reason.ts";
import { usageFromResponses } from "../../canonical/map-usage.ts";
import { codeForStatus } from "../shared/upstream-error.ts";
import { jsonString } from "../shared/json-string.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import type { SseEvent, StreamDecoder } from "../types.ts";
import { sniffResponsesDelta, type SniffedDelta } from "./sniff-delta.ts";
import { flatName } from "./tool-names.ts";

type Open = { block: number; output: number; kind: "text" | "thinking" | "function" | "custom" | "raw"; seen: boolean };

/** HTTP-like status for a failed response's error code (the stream itself was a 200). */
function statusForCode(code: unknown): number {
  switch (code) {
    case "rate_limit_exceeded":
    case "insufficient_quota":
      return 429;
    case "context_length_exceeded":
    case "invalid_prompt":
    case "invalid_request_error":
      return 400;
    case "server_is_overloaded":
    case "slow_down":
      return 503;
    default:
      return 500;
  }
}

function upstreamError(e: Json): GatewayError {
  const status = typeof e.status === "number" && e.status >= 400 ? e.status : statusForCode(e.code ?? e.type);
  const type = typeof e.code === "string" ? e.code : typeof e.type === "string" ? e.type : undefined;
  return new GatewayError(status, codeForStatus(status), typeof e.message === "string" ? e.message : "Upstream stream error", {
    upstreamType: type,
    upstreamCode: typeof e.code === "string" ? e.code : undefined,
    param: typeof e.param === "string" ? e.param : undefined,
    retryable: status === 429 || status >= 500,
  });
}

export function createResponsesStreamDecoder(): StreamDecoder {
  let started = false;
  let closed = false;
  let nextBlock = 0;
  let open: Open | null = null;
  let hasToolCalls = false;
  /** The message item whose parts are being read, and whether any part became a block. */
  let messageOutput = -1;
  let messageHadText = false;

  const start = (out: CanonicalStreamEvent[], r?: Json) => {
    if (started) return;
    started = true;
    const s: CanonicalStreamEvent = { type: "start", id: typeof r?.id === "string" ? r.id : "", model: typeof r?.model === "string" ? r.model : "" };
    if (typeof r?.created_at === "number") s.created = r.created_at;
    out.push(s);
  };
  const close = (out: CanonicalStreamEvent[]) => {
    if (!open) return;
    if (open.kind === "custom") out.push({ type: "tool_args_delta", index: open.block, json: `"}` });
    out.push({ type: "block_stop", index: open.block });
    open = null;
  };
  const openBlock = (out: CanonicalStreamEvent[], output: number, kind: Open["kind"], ev: CanonicalStreamEvent & { type: "block_start" }) => {
    close(out);
    open = { block: ev.index, output, kind, seen: false };
    out.push(ev);
  };
  const openText = (out: CanonicalStreamEvent[], output: number) => {
    openBlock(out, output, "text", { type: "block_start", index: nextBlock++, block: { type: "text" } });
    messageHadText = true;
  };
  const finish = (out: CanonicalStreamEvent[], r: Json | undefined) => {
    close(out);
    closed = true;
    const incomplete = isObj(r?.incomplete_details) ? r.incomplete_details.reason : undefined;
    out.push({ type: "finish", stopReason: stopReasonFromResponses(r ? r.status : "completed", incomplete, hasToolCalls) ?? "stop" });
    if (isObj(r?.usage)) out.push({ type: "usage", usage: usageFromResponses(r.usage) });
    out.push({ type: "end" });
  };
  const fail = (out: CanonicalStreamEvent[], e: Json) => {
    close(out);
    closed = true;
    out.push({ type: "error", error: upstreamError(e) });
  };

  const itemAdded = (out: CanonicalStreamEvent[], output: number, item: Json) => {
    switch (item.type) {
      case "message":
        close(out);
        messageOutput = output;
        messageHadText = false;
        return;
      case "reasoning":
        openBlock(out, output, "thinking", { type: "block_start", index: nextBlock++, block: { type: "thinking" } });
        return;
      case "function_call":
      case "custom_tool_call": {
        hasToolCalls = true;
        const name = String(item.name ?? "");
        const b = nextBlock++;
        openBlock(out, output, item.type === "function_call" ? "function" : "custom", {
          type: "block_start",
          index: b,
          block: { type: "tool_call", id: String(item.call_id ?? ""), name: typeof item.namespace === "string" ? flatName(item.namespace, name) : name },
        });
        if (item.type === "custom_tool_call") out.push({ type: "tool_args_delta", index: b, json: `{"input":"` });
        return;
      }
      default:
        openBlock(out, output, "raw", { type: "block_start", index: nextBlock++, block: { type: "raw", dialect: "openai-responses", value: item } });
    }
  };

  const itemDone = (out: CanonicalStreamEvent[], output: number, item: Json) => {
    const o = open?.output === output ? open : null;
    if (item.type === "message") {
      // A server that sent the text only in the finished item.
      if (!messageHadText && Array.isArray(item.content)) {
        for (const p of item.content) {
          if (!isObj(p)) continue;
          const text = typeof p.text === "string" ? p.text : typeof p.refusal === "string" ? p.refusal : "";
          openText(out, output);
          if (text) out.push({ type: "text_delta", index: open!.block, text });
        }
      }
      messageOutput = -1;
      close(out);
      return;
    }
    if (!o) return;
    if (o.kind === "thinking") {
      if (!o.seen && Array.isArray(item.summary)) {
        const text = item.summary.map((p) => (isObj(p) && typeof p.text === "string" ? p.text : "")).join("\n\n");
        if (text) out.push({ type: "thinking_delta", index: o.block, text });
      }
      if (typeof item.encrypted_content === "string") {
        const encrypted: { dialect: "openai-responses"; data: string; itemId?: string } = { dialect: "openai-responses", data: item.encrypted_content };
        if (typeof item.id === "string") encrypted.itemId = item.id;
        out.push({ type: "thinking_encrypted", index: o.block, encrypted });
      }
    } else if (o.kind === "function" && !o.seen && typeof item.arguments === "string" && item.arguments) {
      out.push({ type: "tool_args_delta", index: o.block, json: item.arguments });
    } else if (o.kind === "custom" && !o.seen && typeof item.input === "string" && item.input) {
      out.push({ type: "tool_args_delta", index: o.block, json: jsonString(item.input).slice(1, -1) });
    }
    close(out);
  };

  const sniffed: SniffedDelta = { outputIndex: 0, literalStart: 0, literalEnd: 0, next: 0 };
  return {
    // The raw lane: a text delta of the open text block's output, exactly what push() makes of it (no state changes).
    sniffRaw(s, pos, out) {
      if (closed || open === null || open.kind !== "text" || !sniffResponsesDelta(s, pos, sniffed) || sniffed.outputIndex !== open.output) return false;
      out.kind = "text";
      out.index = open.block;
      out.literalStart = sniffed.literalStart;
      out.literalEnd = sniffed.literalEnd;
      out.next = sniffed.next;
      return true;
    },
    push(ev: SseEvent) {
      if (closed) return [];
      const out: CanonicalStreamEvent[] = [];
      if (ev.data === "[DONE]") {
        start(out);
        finish(out, undefined);
        return out;
      }
      let d: Json;
      try {
        const parsed = JSON.parse(ev.data);
        if (!isObj(parsed)) return [];
        d = parsed;
      } catch {
        return [];
      }
      const type = typeof d.type === "string" ? d.type : ev.event;
      const r = isObj(d.response) ? d.response : undefined;
      const output = typeof d.output_index === "number" ? d.output_index : -1;
      const here = open !== null && open.output === output;
      switch (type) {
        case "response.created":
        case "response.queued":
        case "response.in_progress":
          start(out, r);
          break;
        case "response.output_item.added":
          start(out);
          if (isObj(d.item)) itemAdded(out, output, d.item);
          break;
        case "response.output_item.done":
          if (isObj(d.item)) itemDone(out, output, d.item);
          break;
        case "response.content_part.added": {
          const part = isObj(d.part) ? d.part : {};
          if (output !== messageOutput || (part.type !== "output_text" && part.type !== "refusal")) break;
          openText(out, output);
          const text = typeof part.text === "string" ? part.text : typeof part.refusal === "string" ? part.refusal : "";
          if (text) out.push({ type: "text_delta", index: open!.block, text });
          break;
        }
        case "response.content_part.done":
          if (here && open!.kind === "text") close(out);
          break;
        case "response.output_text.delta":
        case "response.refusal.delta": {
          if (typeof d.delta !== "string" || !d.delta) break;
          if (!here || open!.kind !== "text") {
            if (output !== messageOutput) break;
            openText(out, output);
          }
          out.push({ type: "text_delta", index: open!.block, text: d.delta });
          break;
        }
        case "response.reasoning_summary_part.added":
          // Summary parts are one text, a blank line apart.
          if (here && open!.kind === "thinking" && typeof d.summary_index === "number" && d.summary_index > 0) {
            out.push({ type: "thinking_delta", index: open!.block, text: "\n\n" });
          }
          break;
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta":
          if (here && open!.kind === "thinking" && typeof d.delta === "string" && d.delta) {
            open!.seen = true;
            out.push({ type: "thinking_delta", index: open!.block, text: d.delta });
          }
          break;
        case "response.function_call_arguments.delta":
          if (here && open!.kind === "function" && typeof d.delta === "string" && d.delta) {
            open!.seen = true;
            out.push({ type: "tool_args_delta", index: open!.block, json: d.delta });
          }
          break;
        case "response.function_call_arguments.done":
          if (here && open!.kind === "function" && !open!.seen && typeof d.arguments === "string" && d.arguments) {
            open!.seen = true;
            out.push({ type: "tool_args_delta", index: open!.block, json: d.arguments });
          }
          break;
        case "response.custom_tool_call_input.delta":
          if (here && open!.kind === "custom" && typeof d.delta === "string" && d.delta) {
            open!.seen = true;
            out.push({ type: "tool_args_delta", index: open!.block, json: jsonString(d.delta).slice(1, -1) });
          }
          break;
        case "response.completed":
        case "response.incomplete":
        case "response.done":
          start(out, r);
          finish(out, r);
          break;
        case "response.failed":
          start(out, r);
          fail(out, r && isObj(r.error) ? r.error : { message: "Upstream response failed" });
          break;
        case "error":
          start(out);
          fail(out, isObj(d.error) ? d.error : d);
          break;
        case "keepalive":
          if (started) out.push({ type: "ping" });
          break;
        // Other events (annotations, built-in tool progress, ...) change nothing canonical.
      }
      return out;
    },
    end() {
      if (closed) return [];
      const out: CanonicalStreamEvent[] = [];
      close(out);
      closed = true;
      out.push({ type: "error", error: new GatewayError(502, "upstream_error", "Upstream stream ended before response.completed", { retryable: true }) });
      return out;
    },
  };
}
