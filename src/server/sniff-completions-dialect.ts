import type { DialectName } from "../dialects/types.ts";

/**
 * `/v1/completions` also accepts an Anthropic-shaped body, as the Go gateway this replaces did (docs/ARCHITECTURE.md
 * "The gateway this replaces"): a `system` key, or a claude model
 * sent with `messages`, means Anthropic Messages; `messages` otherwise means OpenAI Chat; `prompt` is legacy Completions.
 */
export function sniffCompletionsDialect(json: Record<string, unknown>): DialectName {
  if (json.prompt !== undefined) return "openai-completions";
  if (json.system !== undefined) return "anthropic-messages";
  if (Array.isArray(json.messages)) {
    return typeof json.model === "string" && json.model.toLowerCase().includes("claude") && json.max_tokens !== undefined
      ? "anthropic-messages"
      : "openai-chat";
  }
  return "openai-completions";
}
