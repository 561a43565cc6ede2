/**
 * Which models an OpenAI-family account serves through `/v1/responses`. Some OpenAI models are served only there
 * (the codex models, the pro and deep-research models, computer use); clients of the other dialects reach them
 * converted. An account's `responses_models` patterns (exact, `prefix*`, `*`) replace the default list; an empty
 * list turns the Responses API off for that account. Patterns are prefixes only, so the codex models are listed by
 * generation: a newer one needs its pattern in the account (or a release of this list).
 */
import type { UpstreamAccount } from "../config/schema.ts";
import { bestMatch } from "../routing/match-model.ts";

export const RESPONSES_ONLY_MODELS: readonly string[] = [
  "codex-*",
  "gpt-5-codex*",
  "gpt-5.1-codex*",
  "gpt-5.2-codex*",
  "gpt-5.3-codex*",
  "gpt-5-pro*",
  "gpt-5.2-pro*",
  "o1-pro*",
  "o3-pro*",
  "o3-deep-research*",
  "o4-mini-deep-research*",
  "computer-use-preview*",
];

/** Whether `account` serves `model` through the Responses API. */
export function usesResponses(account: Pick<UpstreamAccount, "provider" | "responses_models">, model: string): boolean {
  const patterns = account.responses_models ?? (account.provider === "openai" || account.provider === "azure" ? RESPONSES_ONLY_MODELS : []);
  return patterns.length > 0 && bestMatch(patterns, model) !== undefined;
}
