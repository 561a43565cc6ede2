/**
 * Canonical request (from an OpenAI Chat or legacy Completions client) -> Anthropic Messages upstream body.
 * Anthropic clients never come here: their bytes are piped to Anthropic upstreams. Each field dropped or
 * changed says why beside the code and is reported through `onAdjust` (src/dialects/README.md "Decisions").
 */
import { GatewayError, invalidRequest } from "../../errors.ts";
import { idWithoutSignature } from "../../canonical/tool-call-id.ts";
import type { CanonicalRequest, Message, TextBlock } from "../../canonical/model.ts";
import { budgetForEffort, MIN_THINKING_BUDGET } from "../../canonical/map-reasoning-effort.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { reportDroppedExtra, type Json } from "../shared/json-shape.ts";
import { checkForeignRequest } from "../shared/foreign-request.ts";
import { refuseGeminiBuiltInTools } from "../shared/foreign-tools.ts";
import { encodeBlock } from "./blocks.ts";

/**
 * Anthropic has no schema-less JSON mode, so json_object becomes a system instruction (the portable method).
 * json_schema uses native structured outputs (`output_config.format`), see src/dialects/README.md.
 */
export const JSON_OBJECT_INSTRUCTION = "Respond only with a single valid JSON object, without any text before or after it.";

const ID_OK = /^[a-zA-Z0-9_-]+$/;
/**
 * Anthropic tool ids must match ^[a-zA-Z0-9_-]+$ (some OpenAI-compatible servers send ids like `functions.get:0`).
 * The mapping is deterministic, so a tool_use and its tool_result still pair.
 */
export const sanitizeToolId = (raw: string) => {
  // A Gemini thought signature carried in the id (canonical/tool-call-id.ts) is not Anthropic's to keep.
  const id = idWithoutSignature(raw);
  return ID_OK.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, "_") || "toolu_empty";
};

type AMsg = { role: "user" | "assistant" | "system"; content: Json[] };

function textBlocksOf(m: Message): TextBlock[] {
  const out: TextBlock[] = [];
  for (const b of m.content) if (b.type === "text" && b.text !== "") out.push(b);
  return out;
}

/**
 * OpenAI messages -> Anthropic messages, shaped the way Anthropic accepts them (src/dialects/README.md
 * "Conversion pitfalls"). Returns the system blocks hoisted out of the messages.
 */
function convertMessages(req: CanonicalRequest, opts: EncodeRequestOptions): { system: Json[]; messages: AMsg[] } {
  const system: Json[] = [];
  const out: AMsg[] = [];
  const adjust = opts.onAdjust;
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") {
      // Every system/developer message is hoisted into `system`, in order, keeping its blocks (and
      // cache_control). Mid-conversation ones move to the front: plain Anthropic accounts reject role
      // "system" in messages; the order change is the documented cost.
      for (const t of textBlocksOf(m)) system.push(encodeBlock(t)!);
      continue;
    }
    if (m.role === "tool") {
      const blocks: Json[] = [];
      for (const b of m.content) {
        if (b.type !== "tool_result") continue;
        const e = encodeBlock(b)!;
        e.tool_use_id = sanitizeToolId(b.toolCallId);
        blocks.push(e);
      }
      out.push({ role: "user", content: blocks });
      continue;
    }
    const content: Json[] = [];
    for (const b of m.content) {
      if (b.type === "text" && b.text === "") continue; // Anthropic rejects empty text blocks
      if (b.type === "thinking" && !b.signature) {
        // Unsigned thinking (an OpenAI client echoing reasoning_content) is always rejected by Anthropic.
        adjust?.("messages.thinking", "thinking without a signature cannot be sent to Anthropic");
        continue;
      }
      if (b.type === "audio") {
        throw invalidRequest("input_audio content is not supported by Anthropic upstreams", "messages.content.input_audio");
      }
      if (b.type === "raw") {
        adjust?.("messages.content", `a ${b.dialect} content part has no Anthropic equivalent`);
        continue;
      }
      if (b.type === "document" && b.source.type === "file") {
        throw invalidRequest("file_id references cannot be resolved for an Anthropic upstream", "messages.content.file.file_id");
      }
      const e = encodeBlock(b);
      if (!e) continue;
      if (b.type === "tool_call") e.id = sanitizeToolId(b.id);
      if (b.type === "tool_result") e.tool_use_id = sanitizeToolId(b.toolCallId);
      content.push(e);
    }
    const role = m.role === "assistant" ? "assistant" : "user";
    if (role === "assistant") {
      // Thinking blocks first: Anthropic wants an assistant turn's thinking before its text and tool_use.
      content.sort((a, b) => rank(a) - rank(b));
    }
    out.push({ role, content });
  }

  // Adjacent same-role messages are merged here (Anthropic would merge them anyway; merging explicitly controls
  // the block order): tool_result blocks first in a user message, ordered like the assistant's tool_use blocks,
  // or Anthropic answers 400 "tool_use ids were found without tool_result blocks immediately after".
  const merged: AMsg[] = [];
  for (const m of out) {
    const prev = merged[merged.length - 1];
    if (prev && prev.role === m.role) prev.content.push(...m.content);
    else merged.push({ role: m.role, content: [...m.content] });
  }
  for (let i = 0; i < merged.length; i++) {
    const m = merged[i]!;
    if (m.role !== "user") continue;
    if (m.content.some((b) => b.type === "tool_result")) {
      const prev = merged[i - 1];
      const order = new Map<string, number>();
      if (prev?.role === "assistant") prev.content.forEach((b, k) => b.type === "tool_use" && order.set(b.id as string, k));
      const results = m.content.filter((b) => b.type === "tool_result");
      results.sort((a, b) => (order.get(a.tool_use_id as string) ?? 1e9) - (order.get(b.tool_use_id as string) ?? 1e9));
      m.content = [...results, ...m.content.filter((b) => b.type !== "tool_result")];
    }
  }
  // Anthropic wants every tool_use answered in the very next message. Dangling calls (a client that
  // crashed mid-loop) get a synthesized error result instead of an Anthropic 400.
  for (let i = 0; i < merged.length - 1; i++) {
    const m = merged[i]!;
    if (m.role !== "assistant") continue;
    const ids = m.content.filter((b) => b.type === "tool_use").map((b) => b.id as string);
    if (!ids.length) continue;
    let next = merged[i + 1]!;
    if (next.role !== "user") {
      next = { role: "user", content: [] };
      merged.splice(i + 1, 0, next);
    }
    const answered = new Set(next.content.filter((b) => b.type === "tool_result").map((b) => b.tool_use_id as string));
    const missing = ids.filter((id) => !answered.has(id));
    if (missing.length) {
      adjust?.("messages.tool_result", `no result for tool call(s) ${missing.join(", ")}; sent as errors`);
      const synth = missing.map((id) => ({ type: "tool_result", tool_use_id: id, content: "(no result)", is_error: true }));
      const firstNonResult = next.content.findIndex((b) => b.type !== "tool_result");
      next.content.splice(firstNonResult < 0 ? next.content.length : firstNonResult, 0, ...synth);
    }
  }
  // Anthropic rejects empty messages except a final assistant prefill, and a prefill that ends in whitespace.
  const final: AMsg[] = [];
  merged.forEach((m, i) => {
    const last = i === merged.length - 1;
    if (m.content.length === 0 && !(last && m.role === "assistant")) return;
    final.push(m);
  });
  const tail = final[final.length - 1];
  if (tail?.role === "assistant") {
    const lastBlock = tail.content[tail.content.length - 1];
    if (lastBlock?.type === "text") {
      lastBlock.text = (lastBlock.text as string).trimEnd();
      if (lastBlock.text === "") tail.content.pop();
    }
    if (tail.content.length === 0) final.pop();
  }
  // Anthropic's older API versions want the conversation to start with a user turn; always doing so is safe.
  if (final.length && final[0]!.role !== "user") final.unshift({ role: "user", content: [{ type: "text", text: "." }] });
  return { system, messages: final };
}

const rank = (b: Json) => (b.type === "thinking" || b.type === "redacted_thinking" ? 0 : 1);

export function encodeAnthropicRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const adjust = opts.onAdjust;
  if (req.n !== undefined && req.n > 1) {
    throw new GatewayError(400, "invalid_request", "n > 1 is not supported by Anthropic upstreams; send n separate requests", { param: "n" });
  }
  if (req.messages.length === 0 && req.extra?.prompt !== undefined && req.origin === "openai-completions") {
    throw invalidRequest("prompt arrays and token prompts need an OpenAI completions upstream", "prompt");
  }
  refuseGeminiBuiltInTools(req, "an Anthropic upstream");
  checkForeignRequest(req, "anthropic-messages", adjust);
  const out: Json = { model: opts.model };
  let maxTokens = req.maxTokens ?? opts.defaultMaxTokens;
  if (opts.maxOutputTokens !== undefined && maxTokens > opts.maxOutputTokens) {
    adjust?.("max_tokens", `clamped from ${maxTokens} to the account's max_output_tokens ${opts.maxOutputTokens}`);
    maxTokens = opts.maxOutputTokens;
  }
  out.max_tokens = maxTokens;

  const conv = convertMessages(req, opts);
  out.messages = conv.messages;
  const system: Json[] = [...(req.system ?? []).map((b) => encodeBlock(b)!), ...conv.system];

  if (req.stop !== undefined) out.stop_sequences = req.stop;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.topK !== undefined) out.top_k = req.topK;
  if (req.temperature !== undefined) {
    // Anthropic accepts 0..1, OpenAI 0..2: clamping is the common choice (scaling changes the meaning of 1).
    if (req.temperature > 1) {
      adjust?.("temperature", `clamped from ${req.temperature} to 1 (Anthropic range is 0..1)`);
      out.temperature = 1;
    } else out.temperature = req.temperature;
  }
  if (req.sessionKey !== undefined) out.metadata = { user_id: req.sessionKey };
  if (req.seed !== undefined) adjust?.("seed", "Anthropic has no seed");
  if (req.presencePenalty !== undefined || req.frequencyPenalty !== undefined) adjust?.("presence_penalty/frequency_penalty", "Anthropic has no penalties");
  if (req.logprobs || req.logitBias) adjust?.("logprobs/logit_bias", "Anthropic returns no log probabilities");

  // Tools.
  if (req.tools !== undefined || req.rawTools !== undefined) {
    const tools = (req.tools ?? []).map((t) => {
      const o: Json = { name: t.name, description: t.description ?? "" };
      // Anthropic requires an input_schema of type object; OpenAI may omit `parameters`.
      o.input_schema = t.inputSchema ?? { type: "object", properties: {} };
      if (t.cacheControl) o.cache_control = t.cacheControl;
      if (t.strict !== undefined) adjust?.("tools.strict", "not sent: older Anthropic API versions reject it");
      return o;
    });
    if (req.rawTools?.length) adjust?.("tools", "non-function tools of another dialect have no Anthropic equivalent");
    if (tools.length) out.tools = tools;
  }
  const hasTools = Array.isArray(out.tools) && (out.tools as unknown[]).length > 0;
  if (req.toolChoice || req.parallelToolCalls !== undefined) {
    let tc: Json | undefined;
    const c = req.toolChoice;
    if (c) tc = c.type === "required" ? { type: "any" } : c.type === "tool" ? { type: "tool", name: c.name } : { type: c.type };
    if (hasTools && req.parallelToolCalls === false) {
      tc ??= { type: "auto" };
      // Anthropic takes disable_parallel_tool_use on auto/any/tool only, not on `none`.
      if (tc.type !== "none") tc.disable_parallel_tool_use = true;
    }
    if (tc && hasTools) out.tool_choice = tc;
  }

  // Thinking.
  let thinking: Json | undefined;
  if (req.thinking) {
    // Anthropic's own shape, sent by LiteLLM-style OpenAI clients.
    const t = req.thinking;
    thinking = t.type === "enabled" ? { type: "enabled", budget_tokens: t.budgetTokens } : { type: t.type };
    if (t.type !== "disabled" && t.display !== undefined) thinking.display = t.display;
  } else if (req.reasoningEffort !== undefined) {
    const budget = budgetForEffort(req.reasoningEffort);
    if (budget !== undefined) thinking = { type: "enabled", budget_tokens: budget };
  }
  if (thinking?.type === "enabled") {
    // Anthropic wants 1024 <= budget_tokens < max_tokens. max_tokens stays what the client asked (OpenAI's
    // limit includes reasoning); the budget gives way, or thinking is dropped when no budget fits.
    const budget = thinking.budget_tokens as number;
    if (maxTokens <= MIN_THINKING_BUDGET) {
      adjust?.("reasoning_effort", `dropped: max_tokens ${maxTokens} leaves no room for a thinking budget`);
      thinking = undefined;
    } else if (budget >= maxTokens) thinking.budget_tokens = maxTokens - 1;
  }
  if (thinking && thinking.type !== "disabled") {
    // Anthropic refuses thinking with a forced tool choice (any/tool); the explicit tool choice wins.
    if (req.toolChoice?.type === "required" || req.toolChoice?.type === "tool") {
      adjust?.("reasoning_effort", "dropped: thinking cannot be combined with a forced tool_choice");
      thinking = undefined;
    } else {
      // With thinking on, Anthropic wants the last assistant turn of a tool loop to start with its thinking
      // block. An OpenAI client that did not echo thinking_blocks lost it, which would be a 400; continuing
      // the loop without thinking is accepted (a signature is never made up).
      const msgs = out.messages as AMsg[];
      const lastAssistant = [...msgs].reverse().find((m) => m.role === "assistant");
      if (lastAssistant && lastAssistant.content.some((b) => b.type === "tool_use") && !["thinking", "redacted_thinking"].includes(lastAssistant.content[0]?.type as string)) {
        adjust?.("reasoning_effort", "dropped: the last assistant tool call has no thinking block to send back");
        thinking = undefined;
      }
    }
  }
  if (thinking) {
    out.thinking = thinking;
    if (thinking.type !== "disabled") {
      // Anthropic refuses temperature and top_k with thinking, and top_p below 0.95.
      if (out.temperature !== undefined) { adjust?.("temperature", "dropped: not allowed with thinking"); delete out.temperature; }
      if (out.top_k !== undefined) { adjust?.("top_k", "dropped: not allowed with thinking"); delete out.top_k; }
      if (typeof out.top_p === "number" && out.top_p < 0.95) { adjust?.("top_p", "dropped: must be >= 0.95 with thinking"); delete out.top_p; }
    }
  }

  // Structured output (src/dialects/README.md "response_format towards Anthropic").
  const rf = req.responseFormat;
  if (rf?.type === "json_schema") {
    out.output_config = { format: { type: "json_schema", schema: rf.schema ?? { type: "object" } } };
    if (rf.strict === false) adjust?.("response_format.strict", "Anthropic structured outputs are always strict");
  } else if (rf?.type === "json_object") {
    system.push({ type: "text", text: JSON_OBJECT_INSTRUCTION });
  }

  if (system.length) out.system = system;
  if (req.stream) out.stream = true;
  reportDroppedExtra(req.extra, `a field of ${req.origin} with no Anthropic equivalent`, adjust);
  return out;
}
