/** Legacy Completions response <-> canonical (WIRE_FORMATS.md §3, §10.2). */
import type { CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromOpenAI, stopReasonToCompletions } from "../../canonical/map-finish-reason.ts";
import { usageFromOpenAI, usageToCompletions } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { applyExtra, extraOf, isObj, type Json } from "../shared/json-shape.ts";

const K_TOP = new Set(["id", "object", "created", "model", "choices", "usage"]);
const K_CHOICE = new Set(["text", "index", "finish_reason"]);

export const newCompletionId = () => `cmpl-gw${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;

export function decodeCompletionsResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const choices = Array.isArray(b.choices) ? b.choices : [];
  const choice: Json = (choices.find((c) => isObj(c) && (c.index ?? 0) === 0) as Json | undefined) ?? {};
  const res: CanonicalResponse = {
    origin: "openai-completions",
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content: typeof choice.text === "string" ? [{ type: "text", text: choice.text }] : [],
    stopReason: stopReasonFromOpenAI(choice.finish_reason),
    usage: usageFromOpenAI(b.usage),
  };
  if (typeof b.created === "number") res.created = b.created;
  const extra: Json = extraOf(b, K_TOP) ?? {};
  const ce = extraOf(choice, K_CHOICE);
  if (ce) extra.__choice = ce;
  if (choices.length > 1) extra.__otherChoices = choices.filter((c) => c !== choice);
  if (Object.keys(extra).length) res.extra = extra;
  return res;
}

export function encodeCompletionsResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  const faithful = res.origin === "openai-completions";
  let text = "";
  // Only text has a completions form; thinking and tool calls are dropped (§10.2: tools are never sent).
  for (const b of res.content) if (b.type === "text") text += b.text;
  const choice: Json = { text, index: 0, logprobs: null, finish_reason: stopReasonToCompletions(res.stopReason) };
  if (faithful) applyExtra(choice, res.extra?.__choice as Json | undefined);
  const out: Json = {
    id: res.id ? (faithful || res.id.startsWith("cmpl") ? res.id : `cmpl-${res.id}`) : (ctx.id ?? newCompletionId()),
    object: "text_completion",
    created: res.created ?? ctx.created ?? Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: faithful && Array.isArray(res.extra?.__otherChoices) ? [choice, ...(res.extra.__otherChoices as Json[])] : [choice],
    usage: faithful && res.usage.raw ? res.usage.raw : usageToCompletions(res.usage),
  };
  if (faithful && res.extra) {
    const { __choice: _c, __otherChoices: _o, ...rest } = res.extra;
    applyExtra(out, rest);
  }
  return out;
}
