/** Anthropic Messages response <-> canonical response (src/dialects/README.md "Anthropic Messages"). */
import type { Block, CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromAnthropic, stopReasonToAnthropic } from "../../canonical/map-finish-reason.ts";
import { usageFromAnthropic, usageToAnthropic } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import { decodeBlock, encodeBlock } from "./blocks.ts";
import { anthropicMessageId, newMessageId } from "./message-id.ts";

export function decodeAnthropicResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const content: Block[] = Array.isArray(b.content) ? b.content.map((c, i) => decodeBlock(c, `content[${i}]`)) : [];
  const res: CanonicalResponse = {
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content,
    stopReason: stopReasonFromAnthropic(b.stop_reason),
    usage: usageFromAnthropic(b.usage),
  };
  if (b.stop_sequence !== undefined) res.stopSequence = b.stop_sequence as string | null;
  return res;
}

export function encodeAnthropicResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  const content: Json[] = [];
  let hasTool = false;
  for (const b of res.content) {
    if (b.type === "text" && b.text === "") continue;
    if (b.type === "tool_call") hasTool = true;
    // Thinking from an OpenAI-style upstream has no signature; it is shown with signature "", and the
    // Anthropic request encoder drops it when the client sends it back (Anthropic would reject it).
    const e = encodeBlock(b);
    if (e) content.push(e);
  }
  return {
    id: res.id ? anthropicMessageId(res.id) : (ctx.id ?? newMessageId()),
    type: "message",
    role: "assistant",
    model: ctx.model,
    content,
    // Some OpenAI-compatible servers say `stop` although the answer holds tool calls; Anthropic clients run
    // tools only on `tool_use`.
    stop_reason: stopReasonToAnthropic(res.stopReason, hasTool),
    // OpenAI does not say which stop sequence matched.
    stop_sequence: res.stopSequence ?? null,
    usage: usageToAnthropic(res.usage),
  };
}
