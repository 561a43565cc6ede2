/**
 * Legacy Completions client body -> canonical request (WIRE_FORMATS.md §3, §10.2).
 * A string prompt (or a one-string array) is one user message. Several prompts or token-array
 * prompts have no chat form: they ride in `extra.prompt` for an OpenAI completions upstream and
 * are refused with a 400 by the chat and Anthropic encoders.
 */
import type { CanonicalRequest, Message } from "../../canonical/model.ts";
import { extraOf, isObj, type Json } from "../shared/json-shape.ts";
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
