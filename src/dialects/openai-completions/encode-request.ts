/**
 * Canonical request (from a chat or Anthropic client) -> legacy Completions upstream body: the conversation
 * flattened into one transcript prompt. No provider converts to legacy completions today (a completions client
 * is piped to an upstream that speaks it); this is the dialect's half of the contract for one that will.
 */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest } from "../../canonical/model.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { checkForeignRequest } from "../shared/foreign-request.ts";
import { reportDroppedExtra, type Json } from "../shared/json-shape.ts";

/** Chat history flattened to one prompt (for completions-only upstreams): a plain transcript. */
function promptFromMessages(req: CanonicalRequest, adjust: EncodeRequestOptions["onAdjust"]): string {
  const lines: string[] = [];
  const sys = req.system?.map((b) => b.text).join("\n\n");
  if (sys) lines.push(`System: ${sys}`);
  const only = req.messages.length === 1 && req.messages[0]!.role === "user" && !sys;
  for (const m of req.messages) {
    let text = "";
    for (const b of m.content) {
      if (b.type === "text" || b.type === "refusal") text += (text ? "\n" : "") + b.text;
      else if (b.type === "tool_result") text += (text ? "\n" : "") + b.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      else if (b.type === "tool_call") text += (text ? "\n" : "") + `[tool call ${b.name}(${b.arguments})]`;
      else if (b.type === "image" || b.type === "audio" || b.type === "document") {
        throw invalidRequest(`${b.type} content cannot be sent to a legacy completions upstream`, "messages.content");
      }
    }
    if (only) return text;
    const label = m.role === "assistant" ? "Assistant" : m.role === "user" ? "User" : m.role === "tool" ? "Tool" : "System";
    lines.push(`${label}: ${text}`);
  }
  adjust?.("messages", "flattened into a transcript prompt for a legacy completions upstream");
  return `${lines.join("\n\n")}\n\nAssistant:`;
}

export function encodeCompletionsRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const adjust = opts.onAdjust;
  checkForeignRequest(req, "openai-completions", adjust);
  const out: Json = { model: opts.model, prompt: promptFromMessages(req, adjust) };
  // The legacy default of 16 tokens would silently truncate a converted chat request: the limit is always stated.
  let max = req.maxTokens ?? opts.defaultMaxTokens;
  if (opts.maxOutputTokens !== undefined && max > opts.maxOutputTokens) {
    adjust?.("max_tokens", `clamped from ${max} to the account's max_output_tokens ${opts.maxOutputTokens}`);
    max = opts.maxOutputTokens;
  }
  out.max_tokens = max;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.n !== undefined) out.n = req.n;
  if (req.seed !== undefined) out.seed = req.seed;
  if (req.presencePenalty !== undefined) out.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) out.frequency_penalty = req.frequencyPenalty;
  if (req.logitBias !== undefined) out.logit_bias = req.logitBias;
  if (req.logprobs) out.logprobs = Math.min(5, req.topLogprobs ?? 0);
  // The legacy API takes at most 4 stop sequences.
  if (req.stop !== undefined) out.stop = req.stop.slice(0, 4);
  if (req.sessionKey !== undefined) out.user = req.sessionKey;
  if (req.tools?.length || req.rawTools?.length) adjust?.("tools", "legacy completions has no tools");
  if (req.responseFormat && req.responseFormat.type !== "text") adjust?.("response_format", "legacy completions has no structured output");
  if (req.reasoningEffort !== undefined || req.thinking) adjust?.("reasoning_effort", "legacy completions has no reasoning control");
  if (req.topK !== undefined) adjust?.("top_k", "OpenAI has no top_k");
  if (req.stream) {
    out.stream = true;
    if (opts.streamUsage !== false) out.stream_options = { include_usage: true };
  }
  reportDroppedExtra(req.extra, `a field of ${req.origin} with no completions equivalent`, adjust);
  return out;
}
