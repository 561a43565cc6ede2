/** Legacy Completions upstream SSE (src/dialects/README.md "Legacy Completions") -> canonical stream events. */
import { GatewayError } from "../../errors.ts";
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import { stopReasonFromOpenAI } from "../../canonical/map-finish-reason.ts";
import { usageFromOpenAI } from "../../canonical/map-usage.ts";
import { codeForStatus } from "../shared/upstream-error.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import type { SseEvent, StreamDecoder } from "../types.ts";

export function createCompletionsStreamDecoder(): StreamDecoder {
  let started = false;
  let open = false;
  let finished = false;
  let closed = false;
  const startOnce = (out: CanonicalStreamEvent[], c?: Json) => {
    if (started) return;
    started = true;
    const s: CanonicalStreamEvent = { type: "start", id: typeof c?.id === "string" ? c.id : "", model: typeof c?.model === "string" ? c.model : "" };
    if (typeof c?.created === "number") s.created = c.created;
    out.push(s);
  };
  const close = (out: CanonicalStreamEvent[]) => {
    if (open) out.push({ type: "block_stop", index: 0 });
    open = false;
  };
  return {
    push(ev: SseEvent) {
      if (closed) return [];
      const out: CanonicalStreamEvent[] = [];
      if (ev.data === "[DONE]") {
        startOnce(out);
        close(out);
        closed = true;
        out.push({ type: "end" });
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
      if (c.error !== undefined) {
        const e = isObj(c.error) ? c.error : { message: String(c.error) };
        close(out);
        closed = true;
        out.push({ type: "error", error: new GatewayError(500, codeForStatus(500), typeof e.message === "string" ? e.message : "Upstream stream error", { upstreamType: typeof e.type === "string" ? e.type : undefined, retryable: true }) });
        return out;
      }
      const choices = Array.isArray(c.choices) ? c.choices : [];
      const usage = isObj(c.usage) ? c.usage : undefined;
      if (!choices.length && !usage) return out;
      startOnce(out, c);
      const choice = choices.find((ch) => isObj(ch) && (ch.index ?? 0) === 0) as Json | undefined;
      if (choice) {
        if (typeof choice.text === "string" && choice.text) {
          if (!open && !finished) {
            open = true;
            out.push({ type: "block_start", index: 0, block: { type: "text" } });
          }
          if (open) out.push({ type: "text_delta", index: 0, text: choice.text });
        }
        if (choice.finish_reason != null && !finished) {
          finished = true;
          close(out);
          out.push({ type: "finish", stopReason: stopReasonFromOpenAI(choice.finish_reason) });
        }
      }
      if (usage) out.push({ type: "usage", usage: usageFromOpenAI(usage) });
      return out;
    },
    end() {
      if (closed) return [];
      closed = true;
      const out: CanonicalStreamEvent[] = [];
      close(out);
      if (finished) out.push({ type: "end" });
      else out.push({ type: "error", error: new GatewayError(502, "upstream_error", "Upstream stream ended before finish_reason and [DONE]", { retryable: true }) });
      return out;
    },
  };
}
