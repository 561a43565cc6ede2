/** Canonical request -> legacy Completions upstream body (WIRE_FORMATS.md §3, §10.2). */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest } from "../../canonical/model.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { applyExtra, reportDroppedExtra, type Json } from "../shared/json-shape.ts";
import { LEGACY_DEFAULT_MAX_TOKENS } from "./decode-request.ts";

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
  const faithful = req.origin === "openai-completions";
  const adjust = opts.onAdjust;
  const out: Json = { model: opts.model };
  if (faithful && req.extra?.prompt !== undefined) out.prompt = req.extra.prompt;
  else if (faithful && req.messages.length === 1) {
    const text = req.messages[0]!.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    out.prompt = req.extra?.__promptArray ? [text] : text;
  } else out.prompt = promptFromMessages(req, adjust);

  const defaulted = faithful && req.extra?.__maxTokensDefault !== undefined && req.maxTokens === LEGACY_DEFAULT_MAX_TOKENS;
  if (defaulted) {
    if (req.extra!.__maxTokensDefault === null) out.max_tokens = null;
  } else {
    // The legacy default of 16 tokens would silently truncate a converted chat request (§3).
    let max = req.maxTokens ?? opts.defaultMaxTokens;
    if (opts.maxOutputTokens !== undefined && max > opts.maxOutputTokens) {
      adjust?.("max_tokens", `clamped from ${max} to the model limit ${opts.maxOutputTokens}`);
      max = opts.maxOutputTokens;
    }
    out.max_tokens = max;
  }
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.n !== undefined) out.n = req.n;
  if (req.seed !== undefined) out.seed = req.seed;
  if (req.presencePenalty !== undefined) out.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) out.frequency_penalty = req.frequencyPenalty;
  if (req.logitBias !== undefined) out.logit_bias = req.logitBias;
  if (req.logprobs) out.logprobs = Math.min(5, req.topLogprobs ?? 0);
  if (req.stop !== undefined) out.stop = faithful && req.stopString && req.stop.length === 1 ? req.stop[0] : req.stop.slice(0, 4);
  if (req.sessionKey !== undefined) out.user = req.sessionKey;
  if (!faithful) {
    if (req.tools?.length || req.rawTools?.length) adjust?.("tools", "legacy completions has no tools");
    if (req.responseFormat && req.responseFormat.type !== "text") adjust?.("response_format", "legacy completions has no structured output");
    if (req.reasoningEffort !== undefined || req.thinking) adjust?.("reasoning_effort", "legacy completions has no reasoning control");
    if (req.topK !== undefined) adjust?.("top_k", "OpenAI has no top_k");
  }
  if (req.stream) {
    out.stream = true;
    const rest = faithful && req.extra?.stream_options ? (req.extra.stream_options as Json) : {};
    out.stream_options = { ...rest, include_usage: true };
  }
  if (faithful) {
    const { prompt: _p, __promptArray: _a, __maxTokensDefault: _m, stream_options: _s, ...rest } = req.extra ?? {};
    applyExtra(out, rest);
  } else {
    reportDroppedExtra(req.extra, `a field of ${req.origin} with no completions equivalent`, adjust);
  }
  return out;
}
