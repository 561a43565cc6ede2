/** OpenAI Chat Completions response <-> canonical response (WIRE_FORMATS.md §2.4, §8.4). */
import type { Block, CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromOpenAI, stopReasonToOpenAI } from "../../canonical/map-finish-reason.ts";
import { usageFromOpenAI, usageToOpenAI } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { applyExtra, extraOf, isObj, type Json } from "../shared/json-shape.ts";

const K_TOP = new Set(["id", "object", "created", "model", "choices", "usage"]);
const K_CHOICE = new Set(["index", "message", "finish_reason"]);
const K_MESSAGE = new Set(["role", "content", "refusal", "tool_calls", "reasoning_content", "reasoning", "thinking_blocks"]);

export const newChatCompletionId = () => `chatcmpl-gw${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;

/** Reads the assistant message of a response or the accumulated fields shared with streaming. */
export function decodeAssistantMessage(m: Json): Block[] {
  const content: Block[] = [];
  if (Array.isArray(m.thinking_blocks)) {
    for (const t of m.thinking_blocks) {
      if (isObj(t) && t.type === "thinking" && typeof t.thinking === "string") {
        const b: Block = { type: "thinking", text: t.thinking };
        if (typeof t.signature === "string") b.signature = t.signature;
        content.push(b);
      } else if (isObj(t) && t.type === "redacted_thinking" && typeof t.data === "string") content.push({ type: "redacted_thinking", data: t.data });
    }
  } else {
    // Non-standard reasoning text: `reasoning_content` (DeepSeek, LiteLLM) or `reasoning` (OpenRouter) (§2.5).
    const r = typeof m.reasoning_content === "string" ? m.reasoning_content : typeof m.reasoning === "string" ? m.reasoning : undefined;
    if (r) content.push({ type: "thinking", text: r });
  }
  if (typeof m.content === "string" && m.content !== "") content.push({ type: "text", text: m.content });
  else if (Array.isArray(m.content)) {
    for (const p of m.content) if (isObj(p) && p.type === "text" && typeof p.text === "string") content.push({ type: "text", text: p.text });
  }
  if (typeof m.refusal === "string" && m.refusal) content.push({ type: "refusal", text: m.refusal });
  if (Array.isArray(m.tool_calls)) {
    for (const tc of m.tool_calls) {
      if (!isObj(tc) || !isObj(tc.function)) continue;
      content.push({ type: "tool_call", id: String(tc.id ?? ""), name: String(tc.function.name ?? ""), arguments: String(tc.function.arguments ?? "") });
    }
  }
  return content;
}

export function decodeOpenAIChatResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const choices = Array.isArray(b.choices) ? b.choices : [];
  // n > 1 responses: the canonical response carries choice 0 (the other choices ride in extra).
  const choice: Json = (choices.find((c) => isObj(c) && (c.index ?? 0) === 0) as Json | undefined) ?? {};
  const message: Json = isObj(choice.message) ? choice.message : {};
  const res: CanonicalResponse = {
    origin: "openai-chat",
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content: decodeAssistantMessage(message),
    stopReason: stopReasonFromOpenAI(choice.finish_reason),
    usage: usageFromOpenAI(b.usage),
  };
  if (typeof b.created === "number") res.created = b.created;
  const extra: Json = extraOf(b, K_TOP) ?? {};
  const ce = extraOf(choice, K_CHOICE);
  if (ce) extra.__choice = ce;
  const me = extraOf(message, K_MESSAGE);
  if (me) extra.__message = me;
  if (choices.length > 1) extra.__otherChoices = choices.filter((c) => c !== choice);
  if (Object.keys(extra).length) res.extra = extra;
  return res;
}

export function encodeOpenAIChatResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  const faithful = res.origin === "openai-chat";
  let text = "";
  let hasText = false;
  let refusal: string | null = null;
  let reasoning: string | undefined;
  let signed = false;
  const thinking: Json[] = [];
  const calls: Json[] = [];
  for (const b of res.content) {
    switch (b.type) {
      case "text":
        text += b.text;
        hasText = true;
        break;
      case "refusal":
        refusal = (refusal ?? "") + b.text;
        break;
      case "thinking":
        reasoning = (reasoning ?? "") + b.text;
        if (b.signature !== undefined) signed = true;
        thinking.push(b.signature !== undefined ? { type: "thinking", thinking: b.text, signature: b.signature } : { type: "thinking", thinking: b.text });
        break;
      case "redacted_thinking":
        signed = true;
        thinking.push({ type: "redacted_thinking", data: b.data });
        break;
      case "tool_call":
        calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: b.arguments } });
        break;
      // Citations, server tool blocks and other raw blocks have no Chat Completions form: dropped.
    }
  }
  const message: Json = { role: "assistant", content: hasText ? text : null, refusal };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  // Signed thinking goes out as LiteLLM's thinking_blocks so the client can send it back (§8.2.1).
  if (signed) message.thinking_blocks = thinking;
  if (calls.length) message.tool_calls = calls;
  if (faithful) applyExtra(message, res.extra?.__message as Json | undefined);
  else message.annotations = [];
  const choice: Json = { index: 0, message, logprobs: null, finish_reason: stopReasonToOpenAI(res.stopReason, calls.length > 0) };
  if (faithful) applyExtra(choice, res.extra?.__choice as Json | undefined);
  const id = res.id ? (faithful || res.id.startsWith("chatcmpl") ? res.id : `chatcmpl-${res.id}`) : (ctx.id ?? newChatCompletionId());
  const out: Json = {
    id,
    object: "chat.completion",
    created: res.created ?? ctx.created ?? Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: faithful && Array.isArray(res.extra?.__otherChoices) ? [choice, ...(res.extra.__otherChoices as Json[])] : [choice],
    usage: faithful && res.usage.raw ? res.usage.raw : usageToOpenAI(res.usage),
  };
  if (faithful && res.extra) {
    const { __choice: _c, __message: _m, __otherChoices: _o, ...rest } = res.extra;
    applyExtra(out, rest);
  }
  return out;
}
