/** Anthropic Messages response <-> canonical response (WIRE_FORMATS.md §5.6, §8.4). */
import type { Block, CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromAnthropic, stopReasonToAnthropic } from "../../canonical/map-finish-reason.ts";
import { usageFromAnthropic, usageToAnthropic } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { applyExtra, extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { decodeBlock, encodeBlock } from "./blocks.ts";
import { anthropicMessageId, newMessageId } from "./message-id.ts";

const KNOWN = new Set(["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"]);

export function decodeAnthropicResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const content: Block[] = Array.isArray(b.content) ? b.content.map((c, i) => decodeBlock(c, `content[${i}]`)) : [];
  const res: CanonicalResponse = {
    origin: "anthropic-messages",
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content,
    stopReason: stopReasonFromAnthropic(b.stop_reason),
    usage: usageFromAnthropic(b.usage),
  };
  if (b.stop_sequence !== undefined) res.stopSequence = b.stop_sequence as string | null;
  const extra = extraOf(b, KNOWN);
  if (extra) res.extra = extra;
  return res;
}

export function encodeAnthropicResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  const faithful = res.origin === "anthropic-messages";
  const content: Json[] = [];
  let hasTool = false;
  for (const b of res.content) {
    if (b.type === "text" && b.text === "" && !faithful) continue;
    if (b.type === "tool_call") hasTool = true;
    // Thinking from an OpenAI-style upstream has no signature; it is shown with signature "" and our
    // Anthropic encoder drops it if the client sends it back (§8.4).
    const e = encodeBlock(b, faithful);
    if (e) content.push(e);
  }
  const out: Json = {
    id: res.id ? (faithful ? res.id : anthropicMessageId(res.id)) : (ctx.id ?? newMessageId()),
    type: "message",
    role: "assistant",
    model: ctx.model,
    content,
    stop_reason: stopReasonToAnthropic(res.stopReason, hasTool && !faithful),
    // OpenAI does not say which stop sequence matched (§8.4).
    stop_sequence: res.stopSequence ?? null,
    usage: faithful && res.usage.raw ? res.usage.raw : usageToAnthropic(res.usage),
  };
  if (faithful) applyExtra(out, res.extra);
  return out;
}
