/**
 * reasoning_effort <-> Anthropic thinking budget (src/dialects/README.md "reasoning_effort ↔ thinking").
 *
 * | reasoning_effort | thinking                                   |
 * |------------------|--------------------------------------------|
 * | none, minimal    | disabled (omitted)                         |
 * | low              | enabled, budget_tokens 1024 (API minimum)  |
 * | medium           | enabled, budget_tokens 2048                |
 * | high             | enabled, budget_tokens 4096                |
 * | xhigh, max       | enabled, budget_tokens 8192                |
 * Why these numbers: low/medium/high are LiteLLM's constants, which is what most OpenAI-speaking
 * tools already expect from Claude; xhigh/max double `high`.
 *
 * Reverse (budget -> effort): < 2048 low, < 8192 medium, else high (the common thresholds of other gateways).
 */
export const EFFORT_BUDGETS: Record<string, number | undefined> = {
  none: undefined,
  minimal: undefined,
  low: 1024,
  medium: 2048,
  high: 4096,
  xhigh: 8192,
  max: 8192,
};

export const MIN_THINKING_BUDGET = 1024;

export function budgetForEffort(effort: string): number | undefined {
  return effort in EFFORT_BUDGETS ? EFFORT_BUDGETS[effort] : EFFORT_BUDGETS.medium;
}

export function effortForBudget(budget: number): "low" | "medium" | "high" {
  return budget < 2048 ? "low" : budget < 8192 ? "medium" : "high";
}

/** Anthropic `output_config.effort` values OpenAI does not know are brought into its range. */
export function effortForOpenAI(effort: string): string {
  return effort === "max" ? "xhigh" : effort;
}

// ---- Gemini (src/dialects/README.md "Gemini ↔ canonical ↔ Anthropic / OpenAI Chat") ----
/**
 * reasoning_effort → Gemini 2.5 `thinkingBudget`. Gemini's budgets are larger than Anthropic's (its own documented
 * defaults reach 24576 on Flash); none/minimal turn thinking off (0), which Pro models refuse, so they get their
 * minimum, 128.
 */
const GEMINI_BUDGETS: Record<string, number> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576, xhigh: 32768, max: 32768 };

export function geminiBudgetForEffort(effort: string, model: string): number {
  const b = GEMINI_BUDGETS[effort] ?? GEMINI_BUDGETS.medium!;
  return b === 0 && /pro/i.test(model) ? 128 : b;
}

/** Gemini 3 models take a `thinkingLevel` instead of a budget. */
export const geminiUsesThinkingLevel = (model: string): boolean => /gemini-[3-9]/i.test(model);

/** reasoning_effort → Gemini 3 `thinkingLevel` (MINIMAL | LOW | MEDIUM | HIGH). */
export function geminiLevelForEffort(effort: string): string {
  if (effort === "none" || effort === "minimal") return "MINIMAL";
  if (effort === "low") return "LOW";
  if (effort === "medium") return "MEDIUM";
  return "HIGH";
}
