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
