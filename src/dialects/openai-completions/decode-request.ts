/**
 * Legacy Completions client body -> canonical request (src/dialects/README.md "Legacy Completions").
 * A string prompt (or a one-string array) is one user message. Several prompts or token-array
 * prompts have no chat form: they go to `extra.prompt`, and the chat and Anthropic encoders refuse
 * them with a 400 (an OpenAI completions upstream gets the client's bytes as they are).
 */
import type { CanonicalRequest, Message } from "../../canonical/model.ts";
import { extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { createValidator } from "../shared/validate-body.ts";
import { OpenAICompletionsRequestSchema } from "./schema.ts";

const validate = createValidator(OpenAICompletionsRequestSchema);

/** echo, suffix, best_of and unknown fields go to extra: chat upstreams have no equivalent (reported through onAdjust). */
const KNOWN = new Set([
  "model", "prompt", "max_tokens", "temperature", "top_p", "n", "stop", "seed", "user", "stream",
  "stream_options", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
]);

/** The legacy API's own default when max_tokens is absent; a converted request states it explicitly. */
export const LEGACY_DEFAULT_MAX_TOKENS = 16;

export function decodeCompletionsRequest(body: unknown): CanonicalRequest {
  validate(body);
  const b = body as Json;
  const req: CanonicalRequest = { origin: "openai-completions", model: b.model as string, stream: b.stream === true, messages: [] };
  const extra: Json = extraOf(b, KNOWN) ?? {};
  const p = b.prompt;
  const single = typeof p === "string" ? p : Array.isArray(p) && p.length === 1 && typeof p[0] === "string" ? p[0] : undefined;
  if (single !== undefined) {
    const m: Message = { role: "user", content: single === "" ? [] : [{ type: "text", text: single }] };
    req.messages.push(m);
  } else extra.prompt = p;

  // The legacy default of 16 tokens is what the client gets from a completions upstream too.
  req.maxTokens = typeof b.max_tokens === "number" ? b.max_tokens : LEGACY_DEFAULT_MAX_TOKENS;
  for (const [k, f] of [["temperature", "temperature"], ["top_p", "topP"], ["n", "n"], ["seed", "seed"], ["presence_penalty", "presencePenalty"], ["frequency_penalty", "frequencyPenalty"]] as const) {
    if (typeof b[k] === "number") (req as Json)[f] = b[k];
    else if (b[k] != null) extra[k] = b[k];
  }
  if (isObj(b.logit_bias) && Object.values(b.logit_bias).every((v) => typeof v === "number")) req.logitBias = b.logit_bias as Record<string, number>;
  else if (b.logit_bias != null) extra.logit_bias = b.logit_bias;
  // Integer logprobs = chat's logprobs:true + top_logprobs:n.
  if (typeof b.logprobs === "number") {
    req.logprobs = true;
    req.topLogprobs = b.logprobs;
  } else if (b.logprobs != null) extra.logprobs = b.logprobs;
  if (typeof b.stop === "string") req.stop = [b.stop];
  else if (Array.isArray(b.stop)) req.stop = b.stop as string[];
  if (typeof b.user === "string") req.sessionKey = b.user;
  if (isObj(b.stream_options)) {
    const so = b.stream_options;
    if (typeof so.include_usage === "boolean") req.includeUsage = so.include_usage;
    const rest = extraOf(so, new Set(["include_usage"]));
    if (rest) extra.stream_options = rest;
  }
  if (Object.keys(extra).length) req.extra = extra;
  return req;
}
