/**
 * OpenAI Chat Completions SSE -> canonical stream events, normalised into sequential blocks (what an
 * Anthropic client needs). Handles: Azure's empty-choices first chunk, usage on the finish chunk, the last
 * content chunk or a separate `choices:[]` chunk, every element of `delta.tool_calls`, reasoning text as
 * `reasoning_content` or `reasoning`, in-stream `{"error":...}`, and a stream cut before `[DONE]` and before
 * any finish_reason (an error, never a fake stop). See src/dialects/README.md "Conversion pitfalls".
 */
import { GatewayError } from "../../errors.ts";
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import { stopReasonFromOpenAI } from "../../canonical/map-finish-reason.ts";
import { usageFromOpenAI } from "../../canonical/map-usage.ts";
import { newToolUseId } from "../anthropic-messages/message-id.ts";
import { codeForStatus } from "../shared/upstream-error.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import type { SseEvent, StreamDecoder } from "../types.ts";
import { contentChunkHead, sniffContentChunk } from "./sniff-chunk.ts";

type Open = { index: number; kind: "text" | "thinking" | "tool"; toolIndex?: number };

/** Whether accumulated tool arguments already form one whole JSON value (so the call is complete). */
function isCompleteJson(text: string): boolean {
  if (!text) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function createOpenAIChatStreamDecoder(): StreamDecoder {
  let started = false;
  let finished = false;
  let closed = false;
  let nextIndex = 0;
  let open: Open | null = null;
  /** tool_calls[].index -> block index, for tools already emitted. */
  const toolBlocks = new Map<number, number>();
  /**
   * Parallel tool calls whose arguments interleave (some compatible servers send them so) cannot all stream live into
   * sequential blocks: the open tool call streams live; a call that starts while the open one's arguments are
   * still incomplete JSON waits here with its arguments until the open one is complete (or the turn finishes).
   */
  const pending: { ti: number; id: string; name: string; args: string }[] = [];
  let openArgs = "";
  /**
   * The head (id … model, up to `"choices"`) of a plain content chunk parsed in full and found free of `error`
   * and `usage`. A later content chunk with byte-identical head takes the raw lane (sniff-chunk.ts).
   */
  let knownHead: string | undefined;

  const close = (out: CanonicalStreamEvent[]) => {
    if (open) {
      out.push({ type: "block_stop", index: open.index });
      open = null;
    }
  };
  const openBlock = (out: CanonicalStreamEvent[], kind: Open["kind"], ev: CanonicalStreamEvent & { type: "block_start" }, toolIndex?: number) => {
    if (kind !== "tool") flushTools(out);
    close(out);
    open = { index: ev.index, kind, toolIndex };
    out.push(ev);
  };
  const startTool = (out: CanonicalStreamEvent[], t: { ti: number; id: string; name: string; args: string }) => {
    const block = nextIndex++;
    toolBlocks.set(t.ti, block);
    openBlock(out, "tool", { type: "block_start", index: block, block: { type: "tool_call", id: t.id, name: t.name } }, t.ti);
    openArgs = t.args;
    if (t.args) out.push({ type: "tool_args_delta", index: block, json: t.args });
  };
  /** Emits waiting tool calls while the open one is complete; with `all`, every one (the turn is over). */
  const drainTools = (out: CanonicalStreamEvent[], all: boolean) => {
    while (pending.length && (all || open?.kind !== "tool" || isCompleteJson(openArgs))) startTool(out, pending.shift()!);
  };
  const flushTools = (out: CanonicalStreamEvent[]) => {
    if (pending.length) drainTools(out, true);
  };
  const finish = (out: CanonicalStreamEvent[]) => {
    flushTools(out);
    close(out);
    closed = true;
    out.push({ type: "end" });
  };

  return {
    // More text for the open text block, in the learned head: push() would only emit that text delta.
    sniffRaw(s, pos, out) {
      if (closed || knownHead === undefined || !started || open?.kind !== "text") return false;
      return sniffContentChunk(s, pos, knownHead, open.index, out);
    },
    push(ev: SseEvent) {
      if (closed) return [];
      const out: CanonicalStreamEvent[] = [];
      if (ev.data === "[DONE]") {
        if (!started) {
          started = true;
          out.push({ type: "start", id: "", model: "" });
        }
        finish(out);
        return out;
      }
      let c: Json;
      try {
        const parsed = JSON.parse(ev.data);
        if (!isObj(parsed)) return [];
        c = parsed;
      } catch {
        return [];
      }
      if (knownHead === undefined && c.error === undefined && !isObj(c.usage)) {
        const head = contentChunkHead(ev.data);
        if (head !== undefined) knownHead = ev.data.slice(0, head);
      }
      if (c.error !== undefined) {
        const e = isObj(c.error) ? c.error : { message: String(c.error) };
        const status = typeof e.code === "number" ? e.code : typeof c.status === "number" ? c.status : 500;
        close(out);
        closed = true;
        out.push({
          type: "error",
          error: new GatewayError(status >= 400 ? status : 500, codeForStatus(status >= 400 ? status : 500), typeof e.message === "string" ? e.message : "Upstream stream error", {
            upstreamType: typeof e.type === "string" ? e.type : typeof e.code === "string" ? e.code : undefined,
            retryable: status === 429 || status >= 500,
          }),
        });
        return out;
      }
      const choices = Array.isArray(c.choices) ? c.choices : [];
      const usage = isObj(c.usage) ? c.usage : undefined;
      if (!choices.length && !usage) return out; // Azure prompt_filter_results chunk and the like
      if (!started) {
        started = true;
        const s: CanonicalStreamEvent = { type: "start", id: typeof c.id === "string" ? c.id : "", model: typeof c.model === "string" ? c.model : "" };
        if (typeof c.created === "number") s.created = c.created;
        out.push(s);
      }
      // Only choice 0 is carried (n > 1 streams are forwarded as bytes when dialects match).
      const choice = choices.find((ch) => isObj(ch) && (ch.index ?? 0) === 0) as Json | undefined;
      if (choice) {
        const delta = isObj(choice.delta) ? choice.delta : {};
        const reasoning = typeof delta.reasoning_content === "string" ? delta.reasoning_content : typeof delta.reasoning === "string" ? delta.reasoning : "";
        if (reasoning) {
          if (open?.kind !== "thinking") openBlock(out, "thinking", { type: "block_start", index: nextIndex++, block: { type: "thinking" } });
          out.push({ type: "thinking_delta", index: open!.index, text: reasoning });
        }
        const text = (typeof delta.content === "string" ? delta.content : "") + (typeof delta.refusal === "string" ? delta.refusal : "");
        if (text) {
          if (open?.kind !== "text") openBlock(out, "text", { type: "block_start", index: nextIndex++, block: { type: "text" } });
          out.push({ type: "text_delta", index: open!.index, text });
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const tc of delta.tool_calls) {
            if (!isObj(tc)) continue;
            const ti = typeof tc.index === "number" ? tc.index : toolBlocks.size + pending.length;
            const fn = isObj(tc.function) ? tc.function : {};
            const args = typeof fn.arguments === "string" ? fn.arguments : "";
            const waiting = pending.find((p) => p.ti === ti);
            if (waiting) {
              waiting.args += args;
              continue;
            }
            const block = toolBlocks.get(ti);
            if (block === undefined) {
              const t = { ti, id: typeof tc.id === "string" && tc.id ? tc.id : newToolUseId(), name: String(fn.name ?? ""), args };
              // The open call may still be receiving arguments: wait unless they already form complete JSON.
              if (open?.kind === "tool" && (pending.length || !isCompleteJson(openArgs))) pending.push(t);
              else startTool(out, t);
              continue;
            }
            if (args && open?.kind === "tool" && open.toolIndex === ti) {
              out.push({ type: "tool_args_delta", index: block, json: args });
              openArgs += args;
              if (pending.length) drainTools(out, false);
            }
            // Arguments for a call already closed cannot be placed in a sequential stream: dropped.
          }
        }
        if (choice.finish_reason != null && !finished) {
          finished = true;
          flushTools(out);
          close(out);
          out.push({ type: "finish", stopReason: stopReasonFromOpenAI(choice.finish_reason) });
        }
      }
      if (usage) out.push({ type: "usage", usage: usageFromOpenAI(usage) });
      return out;
    },
    end() {
      if (closed) return [];
      const out: CanonicalStreamEvent[] = [];
      // Some OpenAI-compatible servers never send [DONE]; a stream that reached its finish_reason is complete.
      if (finished) {
        finish(out);
        return out;
      }
      close(out);
      closed = true;
      out.push({ type: "error", error: new GatewayError(502, "upstream_error", "Upstream stream ended before finish_reason and [DONE]", { retryable: true }) });
      return out;
    },
  };
}
