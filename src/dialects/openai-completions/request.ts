/**
 * Legacy Completions request <-> canonical (WIRE_FORMATS.md §3, §10.2).
 * A string prompt (or a one-string array) is one user message. Several prompts or token-array
 * prompts have no chat form: they ride in `extra.prompt` for an OpenAI completions upstream and
 * are refused with a 400 by the chat and Anthropic encoders.
 */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest, Message } from "../../canonical/model.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { applyExtra, reportDroppedExtra, extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { createValidator } from "../shared/validate-body.ts";
import { OpenAICompletionsRequestSchema } from "./schema.ts";

const validate = createValidator(OpenAICompletionsRequestSchema);

/** echo, suffix, best_of and unknown fields ride in extra: passed to completions upstreams only
 * (chat upstreams have no equivalent; reported through onAdjust). */
const KNOWN = new Set([
  "model", "prompt", "max_tokens", "temperature", "top_p", "n", "stop", "seed", "user", "stream",
  "stream_options", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
]);

/** The legacy API's own default (§3): honoured explicitly when converting, omitted on a faithful re-encode. */
export const LEGACY_DEFAULT_MAX_TOKENS = 16;

export function decodeCompletionsRequest(body: unknown): CanonicalRequest {
  validate(body);
  const b = body as Json;
  const req: CanonicalRequest = { origin: "openai-completions", model: b.model as string, stream: b.stream === true, messages: [] };
  const extra: Json = extraOf(b, KNOWN) ?? {};
  if (b.stream === false || b.stream === null) extra.stream = b.stream;
  const p = b.prompt;
  const single = typeof p === "string" ? p : Array.isArray(p) && p.length === 1 && typeof p[0] === "string" ? p[0] : undefined;
  if (single !== undefined) {
    if (Array.isArray(p)) extra.__promptArray = true;
    const m: Message = { role: "user", content: single === "" ? [] : [{ type: "text", text: single }], contentForm: "string" };
    req.messages.push(m);
  } else extra.prompt = p;

  if (typeof b.max_tokens === "number") req.maxTokens = b.max_tokens;
  else {
    req.maxTokens = LEGACY_DEFAULT_MAX_TOKENS;
    extra.__maxTokensDefault = b.max_tokens === null ? null : true;
  }
  req.maxTokensField = "max_tokens";
  for (const [k, f] of [["temperature", "temperature"], ["top_p", "topP"], ["n", "n"], ["seed", "seed"], ["presence_penalty", "presencePenalty"], ["frequency_penalty", "frequencyPenalty"]] as const) {
    if (typeof b[k] === "number") (req as Json)[f] = b[k];
    else if (b[k] !== undefined) extra[k] = b[k];
  }
  if (isObj(b.logit_bias) && Object.values(b.logit_bias).every((v) => typeof v === "number")) req.logitBias = b.logit_bias as Record<string, number>;
  else if (b.logit_bias !== undefined) extra.logit_bias = b.logit_bias;
  // Integer logprobs = chat's logprobs:true + top_logprobs:n.
  if (typeof b.logprobs === "number") {
    req.logprobs = true;
    req.topLogprobs = b.logprobs;
  } else if (b.logprobs !== undefined) extra.logprobs = b.logprobs;
  if (typeof b.stop === "string") {
    req.stop = [b.stop];
    req.stopString = true;
  } else if (Array.isArray(b.stop)) req.stop = b.stop as string[];
  else if (b.stop === null) extra.stop = null;
  if (typeof b.user === "string") req.sessionKey = b.user;
  if (b.stream_options !== undefined) {
    const so = b.stream_options;
    if (isObj(so)) {
      if (typeof so.include_usage === "boolean") req.includeUsage = so.include_usage;
      const rest = extraOf(so, new Set(["include_usage"]));
      if (rest || Object.keys(so).length === 0) extra.stream_options = rest ?? {};
    } else extra.stream_options = so;
  }
  if (Object.keys(extra).length) req.extra = extra;
  return req;
}

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
