/**
 * Canonical request of another dialect -> OpenAI Responses upstream body: system -> `instructions`, messages ->
 * input items, tools -> function tools; each field Responses lacks is dropped and reported (src/dialects/README.md
 * "OpenAI Responses").
 */
import { GatewayError, invalidRequest } from "../../errors.ts";
import { idWithoutSignature } from "../../canonical/tool-call-id.ts";
import type { Block, CanonicalRequest, Message, ToolResultBlock } from "../../canonical/model.ts";
import { effortForBudget, effortForOpenAI } from "../../canonical/map-reasoning-effort.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { refuseGeminiBuiltInTools } from "../shared/foreign-tools.ts";
import { checkForeignRequest } from "../shared/foreign-request.ts";
import { reportDroppedExtra, type Json } from "../shared/json-shape.ts";
import { summaryOf } from "./items.ts";
import { encodePart } from "./parts.ts";
import { encodeForeignTools } from "./tools.ts";

type Adjust = EncodeRequestOptions["onAdjust"];

/** OpenAI refuses a smaller `max_output_tokens`. */
const MIN_OUTPUT_TOKENS = 16;

function encodeOutput(r: ToolResultBlock, adjust: Adjust): Json {
  // OpenAI has no error flag on tool outputs: the text says it (as for Chat tool messages).
  const prefix = r.isError ? "Error: " : "";
  if (r.content.every((c) => c.type === "text")) {
    return { type: "function_call_output", call_id: idWithoutSignature(r.toolCallId), output: prefix + r.content.map((c) => (c as { text: string }).text).join("\n") };
  }
  const parts: Json[] = prefix ? [{ type: "input_text", text: "Error:" }] : [];
  for (const c of r.content) {
    const p = encodePart(c, false);
    if (p) parts.push(p);
    else adjust?.("tool_result.content", `a ${c.type} in a tool result has no Responses form`);
  }
  return { type: "function_call_output", call_id: idWithoutSignature(r.toolCallId), output: parts };
}

function encodeAssistant(m: Message, items: Json[], adjust: Adjust): void {
  let parts: Json[] | undefined;
  const flush = () => {
    if (parts?.length) items.push({ type: "message", role: "assistant", content: parts });
    parts = undefined;
  };
  for (const b of m.content) {
    if (b.type === "text" || b.type === "refusal") {
      if (b.text !== "") (parts ??= []).push(encodePart(b, true)!);
      continue;
    }
    flush();
    if (b.type === "tool_call") items.push({ type: "function_call", call_id: idWithoutSignature(b.id), name: b.name, arguments: b.arguments });
    else if (b.type === "thinking" && b.encrypted?.dialect === "openai-responses") {
      // Reasoning an OpenAI Responses upstream made: sent back with its state so the model continues it.
      const r: Json = { type: "reasoning" };
      if (b.encrypted.itemId !== undefined) r.id = b.encrypted.itemId;
      r.summary = summaryOf(b.text);
      r.encrypted_content = b.encrypted.data;
      items.push(r);
    } else if (b.type === "thinking" || b.type === "redacted_thinking") {
      adjust?.("messages.thinking", "reasoning made by another API cannot be sent to an OpenAI Responses upstream");
    } else if (b.type === "raw") adjust?.("messages.content", `a ${b.dialect} block has no Responses equivalent`);
  }
  flush();
}

function encodeUser(m: Message, items: Json[], adjust: Adjust): void {
  const rest: Block[] = [];
  for (const b of m.content) {
    // Anthropic's tool results in user turns become function_call_output items, before the turn's own content.
    if (b.type === "tool_result") items.push(encodeOutput(b, adjust));
    else if (b.type === "thinking" || b.type === "redacted_thinking" || b.type === "tool_call") adjust?.("messages.content", `${b.type} outside an assistant message dropped`);
    else rest.push(b);
  }
  if (!rest.length) return;
  if (rest.every((b) => b.type === "text")) {
    items.push({ role: m.role, content: rest.map((b) => (b as { text: string }).text).join("\n\n") });
    return;
  }
  const content: Json[] = [];
  for (const b of rest) {
    const p = encodePart(b, false);
    if (p) content.push(p);
    else if (b.type === "image" || b.type === "document") throw invalidRequest(`${b.type} ${b.source.type} sources cannot be sent to an OpenAI Responses upstream`, `messages.content.${b.type}.source`);
    else adjust?.("messages.content", `a ${b.type === "raw" ? `${b.dialect} block` : b.type} has no Responses equivalent`);
  }
  if (content.length) items.push({ role: m.role, content });
}

export function encodeResponsesRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const adjust = opts.onAdjust;
  if (req.n !== undefined && req.n > 1) {
    throw new GatewayError(400, "invalid_request", "n > 1 is not supported by OpenAI Responses upstreams; send n separate requests", { param: "n" });
  }
  refuseGeminiBuiltInTools(req, "an OpenAI Responses upstream");
  checkForeignRequest(req, "openai-responses", adjust);
  const out: Json = { model: opts.model };
  if (req.system?.length) out.instructions = req.system.map((b) => b.text).join("\n\n");

  const tools = req.tools !== undefined || req.rawTools !== undefined ? encodeForeignTools(req, adjust) : [];
  if (tools.length) out.tools = tools;

  const input: Json[] = [];
  for (const m of req.messages) {
    if (m.role === "assistant") encodeAssistant(m, input, adjust);
    else if (m.role === "tool") {
      for (const b of m.content) if (b.type === "tool_result") input.push(encodeOutput(b, adjust));
    } else encodeUser(m, input, adjust);
  }
  out.input = input;

  if (req.maxTokens !== undefined) {
    let max = req.maxTokens;
    if (opts.maxOutputTokens !== undefined && max > opts.maxOutputTokens) {
      adjust?.("max_tokens", `clamped from ${max} to the model limit ${opts.maxOutputTokens}`);
      max = opts.maxOutputTokens;
    }
    if (max < MIN_OUTPUT_TOKENS) {
      adjust?.("max_tokens", `raised from ${max} to ${MIN_OUTPUT_TOKENS}, the Responses minimum`);
      max = MIN_OUTPUT_TOKENS;
    }
    out.max_output_tokens = max;
  }
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.sessionKey !== undefined) out.user = req.sessionKey;
  if (tools.length && req.toolChoice) {
    const c = req.toolChoice;
    out.tool_choice = c.type === "tool" ? { type: "function", name: c.name } : c.type;
  }
  // OpenAI rejects parallel_tool_calls without tools.
  if (tools.length && req.parallelToolCalls !== undefined) out.parallel_tool_calls = req.parallelToolCalls;

  const rf = req.responseFormat;
  if (rf?.type === "json_schema") {
    // Responses spells json_schema flat, without Chat's nested `json_schema` object.
    const f: Json = { type: "json_schema", name: rf.name ?? "response", schema: rf.schema ?? { type: "object" } };
    if (rf.description !== undefined) f.description = rf.description;
    if (rf.strict !== undefined) f.strict = rf.strict;
    out.text = { format: f };
  } else if (rf) out.text = { format: { type: rf.type } };

  // Reasoning: the effort, or Anthropic's thinking budget read back as one.
  let effort: string | undefined;
  if (req.reasoningEffort !== undefined) effort = effortForOpenAI(req.reasoningEffort);
  else if (req.thinking?.type === "enabled") effort = effortForBudget(req.thinking.budgetTokens);
  if (effort !== undefined) {
    if (opts.reasoning === false) adjust?.("reasoning_effort", "dropped: this upstream model does not reason");
    else out.reasoning = { effort };
  }
  if (req.thinking?.type === "adaptive" && effort === undefined) adjust?.("thinking", "adaptive thinking without an effort leaves the reasoning level to the model");

  // A converted client did not ask OpenAI to keep its conversation; Responses keeps it unless told not to.
  out.store = false;
  if (req.stream) out.stream = true;

  if (req.stop?.length) adjust?.("stop", "Responses has no stop sequences");
  if (req.seed !== undefined) adjust?.("seed", "Responses has no seed");
  if (req.presencePenalty !== undefined || req.frequencyPenalty !== undefined) adjust?.("presence_penalty/frequency_penalty", "Responses has no penalties");
  if (req.logprobs || req.logitBias || req.topLogprobs !== undefined) adjust?.("logprobs/logit_bias", "not sent to a Responses upstream");
  if (req.topK !== undefined) adjust?.("top_k", "OpenAI has no top_k");
  if (req.safetySettings !== undefined) adjust?.("safetySettings", "only a Gemini upstream understands them");
  reportDroppedExtra(req.extra, `a field of ${req.origin} with no Responses equivalent`, adjust);
  return out;
}
