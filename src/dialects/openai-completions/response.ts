/** Legacy Completions response <-> canonical (src/dialects/README.md "Legacy Completions"). */
import type { CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromOpenAI, stopReasonToCompletions } from "../../canonical/map-finish-reason.ts";
import { usageFromOpenAI, usageToCompletions } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { isObj, type Json } from "../shared/json-shape.ts";

export const newCompletionId = () => `cmpl-gw${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;

export function decodeCompletionsResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const choices = Array.isArray(b.choices) ? b.choices : [];
  const choice: Json = (choices.find((c) => isObj(c) && (c.index ?? 0) === 0) as Json | undefined) ?? {};
  const res: CanonicalResponse = {
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content: typeof choice.text === "string" ? [{ type: "text", text: choice.text }] : [],
    stopReason: stopReasonFromOpenAI(choice.finish_reason),
    usage: usageFromOpenAI(b.usage),
  };
  if (typeof b.created === "number") res.created = b.created;
  return res;
}

export function encodeCompletionsResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  let text = "";
  // Only text has a completions form; thinking and tool calls are dropped (a converted completions request
  // never offers tools).
  for (const b of res.content) if (b.type === "text") text += b.text;
  const choice: Json = { text, index: 0, logprobs: null, finish_reason: stopReasonToCompletions(res.stopReason) };
  return {
    id: res.id ? (res.id.startsWith("cmpl") ? res.id : `cmpl-${res.id}`) : (ctx.id ?? newCompletionId()),
    object: "text_completion",
    created: res.created ?? ctx.created ?? Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [choice],
    usage: usageToCompletions(res.usage),
  };
}
