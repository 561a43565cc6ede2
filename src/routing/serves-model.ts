import type { UpstreamAccount } from "../config/schema.ts";
import { bestMatch } from "./match-model.ts";
import { inferProvider } from "./infer-provider.ts";

type ModelServer = Pick<UpstreamAccount, "provider" | "models">;

/**
 * Whether an account serves `model`. An account's own `models` list decides when present (and non-empty).
 * Without one, the provider decides:
 * - anthropic / openai / gemini: the names inferred to that provider (infer-provider.ts); vertex: Gemini's names;
 * - azure: names inferred to openai, plus names inferred to no provider (deployment names are free-form,
 *   and Azure hosts OpenAI's models);
 * - openai-compatible: names inferred to no provider (llama, qwen, deepseek, mistral…); list `models`
 *   (or `*`) to serve more, e.g. for OpenRouter;
 * - mock: every model.
 */
export function servesModel(account: ModelServer, model: string): boolean {
  if (account.models && account.models.length > 0) return bestMatch(account.models, model) !== undefined;
  const inferred = inferProvider(model);
  switch (account.provider) {
    case "mock":
      return true;
    case "azure":
      return inferred === undefined || inferred === "openai";
    case "openai-compatible":
      return inferred === undefined;
    case "vertex":
      return inferred === "gemini";
    default:
      return inferred === account.provider;
  }
}

/** Human-readable list of what an account serves, for "no account serves model X" messages. */
export function describeServedModels(account: ModelServer): string {
  if (account.models && account.models.length > 0) return account.models.join(", ");
  switch (account.provider) {
    case "mock":
      return "*";
    case "anthropic":
      return "claude*";
    case "openai":
      return "gpt*, chatgpt*, o1*, o3*, o4*, text-davinci*, davinci*, babbage*, ft:*";
    case "gemini":
    case "vertex":
      return "gemini*";
    case "azure":
      return "OpenAI model names and names of no known provider";
    case "openai-compatible":
      return "names of no known provider";
  }
}
