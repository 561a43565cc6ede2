import type { UpstreamAccount } from "../config/schema.ts";
import type { DialectName } from "../dialects/types.ts";
import { joinEndpoint } from "./base-url.ts";
import { DIALECT_ENDPOINT, type BuildOptions, type ProviderSpec } from "./provider.ts";
import { usesResponses } from "./responses-models.ts";

/**
 * An OpenAI-family account speaks Chat Completions and legacy Completions, and the Responses API for the models
 * listed for it (responses-models.ts): clients of every dialect reach those converted. Others go to Chat.
 */
export function openaiFamilyDialect(client: DialectName, account?: UpstreamAccount, model?: string): DialectName {
  if (account && model !== undefined && usesResponses(account, model)) return "openai-responses";
  return client === "openai-completions" ? "openai-completions" : "openai-chat";
}

/** A bearer-key OpenAI-dialect target; Gemini's OpenAI-compatible endpoint uses it too (src/providers/gemini.ts). */
export function bearerTarget(this: ProviderSpec, account: UpstreamAccount, { dialect, credential }: BuildOptions) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (credential) headers.authorization = `Bearer ${credential}`;
  return { url: joinEndpoint(account.base_url ?? this.defaultBaseUrl, DIALECT_ENDPOINT[dialect]), headers };
}

export const openai: ProviderSpec = {
  id: "openai",
  defaultBaseUrl: "https://api.openai.com",
  // Reasoning models reject max_tokens; every current OpenAI model accepts max_completion_tokens.
  maxTokensField: "max_completion_tokens",
  // OpenAI serves every model through the Responses API: a Responses client is passed through.
  dialectFor: (client, account, model) => (client === "openai-responses" ? "openai-responses" : openaiFamilyDialect(client, account, model)),
  target: bearerTarget,
};

/** Any server speaking OpenAI's wire format (vLLM, Ollama, DeepSeek, Groq, OpenRouter, …); base_url required. */
export const openaiCompatible: ProviderSpec = {
  id: "openai-compatible",
  defaultBaseUrl: "http://127.0.0.1:8000",
  dialectFor: openaiFamilyDialect,
  target: bearerTarget,
};
