/**
 * Usage mapping (src/dialects/README.md "Usage"). Canonical usage has OpenAI's inclusive semantics:
 * `inputTokens` = all prompt tokens (uncached + cache read + cache write), `outputTokens`
 * includes reasoning tokens. Anthropic's `input_tokens` is the uncached part only.
 */
import type { Usage } from "./model.ts";

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function usageFromAnthropic(u: unknown): Usage {
  const o = obj(u) ?? {};
  const read = num(o.cache_read_input_tokens);
  const write = num(o.cache_creation_input_tokens);
  const usage: Usage = { inputTokens: num(o.input_tokens) + read + write, outputTokens: num(o.output_tokens) };
  if (o.cache_read_input_tokens != null) usage.cacheReadTokens = read;
  if (o.cache_creation_input_tokens != null) usage.cacheWriteTokens = write;
  const thinking = obj(o.output_tokens_details)?.thinking_tokens;
  if (typeof thinking === "number") usage.reasoningTokens = thinking;
  return usage;
}

/** Always numeric input/output tokens: Claude Code crashes on a missing `output_tokens`. */
export function usageToAnthropic(u: Usage): Record<string, unknown> {
  const read = u.cacheReadTokens ?? 0;
  const write = u.cacheWriteTokens ?? 0;
  const out: Record<string, unknown> = {
    input_tokens: Math.max(0, u.inputTokens - read - write),
    output_tokens: u.outputTokens,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
  if (u.reasoningTokens !== undefined) out.output_tokens_details = { thinking_tokens: u.reasoningTokens };
  return out;
}

export function usageFromOpenAI(u: unknown): Usage {
  const o = obj(u) ?? {};
  const usage: Usage = { inputTokens: num(o.prompt_tokens), outputTokens: num(o.completion_tokens) };
  const pd = obj(o.prompt_tokens_details);
  if (pd) {
    if (typeof pd.cached_tokens === "number") usage.cacheReadTokens = pd.cached_tokens;
    if (typeof pd.cache_write_tokens === "number") usage.cacheWriteTokens = pd.cache_write_tokens;
  }
  const cd = obj(o.completion_tokens_details);
  if (cd && typeof cd.reasoning_tokens === "number") usage.reasoningTokens = cd.reasoning_tokens;
  return usage;
}

export function usageToOpenAI(u: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
  };
  const pd: Record<string, number> = { cached_tokens: u.cacheReadTokens ?? 0 };
  // Newer OpenAI responses carry it too; it lets clients see cache writes.
  if (u.cacheWriteTokens) pd.cache_write_tokens = u.cacheWriteTokens;
  out.prompt_tokens_details = pd;
  if (u.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}

/** Legacy Completions usage has only the three totals. */
export function usageToCompletions(u: Usage): Record<string, unknown> {
  return { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens };
}

// ---- Gemini (src/dialects/README.md "Usage") ----
// `promptTokenCount` includes `cachedContentTokenCount` (as OpenAI's prompt_tokens does); tool-use prompt tokens
// (`toolUsePromptTokenCount`) are counted apart and belong to the input; `candidatesTokenCount` excludes
// `thoughtsTokenCount`, which canonical output includes.

export function usageFromGemini(u: unknown): Usage {
  const o = obj(u) ?? {};
  const thoughts = num(o.thoughtsTokenCount);
  const usage: Usage = {
    inputTokens: num(o.promptTokenCount) + num(o.toolUsePromptTokenCount),
    outputTokens: num(o.candidatesTokenCount) + thoughts,
  };
  if (o.cachedContentTokenCount != null) usage.cacheReadTokens = num(o.cachedContentTokenCount);
  if (o.thoughtsTokenCount != null) usage.reasoningTokens = thoughts;
  return usage;
}

/** Whether a Gemini usageMetadata holds counts (stream chunks may carry one with only `trafficType`). */
export const geminiUsageHasCounts = (u: unknown): boolean => {
  const o = obj(u);
  return !!o && (o.promptTokenCount != null || o.candidatesTokenCount != null || o.totalTokenCount != null);
};

export function usageToGemini(u: Usage): Record<string, unknown> {
  const reasoning = u.reasoningTokens ?? 0;
  const out: Record<string, unknown> = {
    promptTokenCount: u.inputTokens,
    candidatesTokenCount: Math.max(0, u.outputTokens - reasoning),
    totalTokenCount: u.inputTokens + u.outputTokens,
  };
  if (u.cacheReadTokens) out.cachedContentTokenCount = u.cacheReadTokens;
  if (u.reasoningTokens) out.thoughtsTokenCount = u.reasoningTokens;
  return out;
}

/** OpenAI Responses usage: Chat's meaning under other names; cache writes in `input_tokens_details`. */
export function usageFromResponses(u: unknown): Usage {
  const o = obj(u) ?? {};
  const usage: Usage = { inputTokens: num(o.input_tokens), outputTokens: num(o.output_tokens) };
  const id = obj(o.input_tokens_details);
  if (id) {
    if (typeof id.cached_tokens === "number") usage.cacheReadTokens = id.cached_tokens;
    if (typeof id.cache_write_tokens === "number") usage.cacheWriteTokens = id.cache_write_tokens;
  }
  const od = obj(o.output_tokens_details);
  if (od && typeof od.reasoning_tokens === "number") usage.reasoningTokens = od.reasoning_tokens;
  return usage;
}

/** Every field present and numeric, as OpenAI sends them: strict clients read the details without checking. */
export function usageToResponses(u: Usage): Record<string, unknown> {
  const details: Record<string, number> = { cached_tokens: u.cacheReadTokens ?? 0 };
  if (u.cacheWriteTokens) details.cache_write_tokens = u.cacheWriteTokens;
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: details,
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}
