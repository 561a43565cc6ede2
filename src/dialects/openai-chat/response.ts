/** OpenAI Chat Completions response <-> canonical response (src/dialects/README.md "OpenAI Chat Completions"). */
import type { Block, CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromOpenAI, stopReasonToOpenAI } from "../../canonical/map-finish-reason.ts";
import { usageFromOpenAI, usageToOpenAI } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { isObj, type Json } from "../shared/json-shape.ts";

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
    // Non-standard reasoning text: `reasoning_content` (DeepSeek, LiteLLM, many compatible servers) or `reasoning` (OpenRouter).
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
  // n > 1 responses: the canonical response carries choice 0 (Anthropic clients cannot ask for more).
  const choice: Json = (choices.find((c) => isObj(c) && (c.index ?? 0) === 0) as Json | undefined) ?? {};
  const message: Json = isObj(choice.message) ? choice.message : {};
  const res: CanonicalResponse = {
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content: decodeAssistantMessage(message),
    stopReason: stopReasonFromOpenAI(choice.finish_reason),
    usage: usageFromOpenAI(b.usage),
  };
  if (typeof b.created === "number") res.created = b.created;
  return res;
}

export function encodeOpenAIChatResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
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
  // Signed thinking goes out as LiteLLM's thinking_blocks so the client can send it back, signature intact
  // (src/dialects/README.md "Thinking through OpenAI clients").
  if (signed) message.thinking_blocks = thinking;
  if (calls.length) message.tool_calls = calls;
  // Real OpenAI responses carry it on every message (empty: no citations).
  message.annotations = [];
  const choice: Json = { index: 0, message, logprobs: null, finish_reason: stopReasonToOpenAI(res.stopReason, calls.length > 0) };
  return {
    id: res.id ? (res.id.startsWith("chatcmpl") ? res.id : `chatcmpl-${res.id}`) : (ctx.id ?? newChatCompletionId()),
    object: "chat.completion",
    created: res.created ?? ctx.created ?? Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [choice],
    usage: usageToOpenAI(res.usage),
  };
}
