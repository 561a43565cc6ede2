import type { UpstreamAccount } from "../config/schema.ts";
import type { DialectName } from "../dialects/types.ts";
import { joinEndpoint } from "./base-url.ts";
import { DIALECT_ENDPOINT, type BuildOptions, type ProviderSpec } from "./provider.ts";

/** OpenAI speaks chat and legacy completions natively; an Anthropic client is converted to chat. */
const openaiDialect = (client: DialectName): DialectName => (client === "openai-completions" ? "openai-completions" : "openai-chat");

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
  dialectFor: openaiDialect,
  target: bearerTarget,
};

/** Any server speaking OpenAI's wire format (vLLM, Ollama, DeepSeek, Groq, OpenRouter, …); base_url required. */
export const openaiCompatible: ProviderSpec = {
  id: "openai-compatible",
  defaultBaseUrl: "http://127.0.0.1:8000",
  dialectFor: openaiDialect,
  target: bearerTarget,
};
