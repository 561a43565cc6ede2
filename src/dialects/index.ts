/**
 * The dialect table. The dialects are stateless (pure functions and per-stream state machines
 * created on demand), so one shared table is safe; `createDialects()` exists for callers that
 * prefer to pass their own.
 */
import type { Dialect, DialectName } from "./types.ts";
import { createAnthropicMessagesDialect } from "./anthropic-messages/index.ts";
import { createOpenAIChatDialect } from "./openai-chat/index.ts";
import { createOpenAICompletionsDialect } from "./openai-completions/index.ts";
import { createGeminiDialect } from "./gemini/index.ts";
import { createOpenAIResponsesDialect } from "./openai-responses/index.ts";

export type * from "./types.ts";

export function createDialects(): Record<DialectName, Dialect> {
  return {
    "openai-chat": createOpenAIChatDialect(),
    "openai-completions": createOpenAICompletionsDialect(),
    "anthropic-messages": createAnthropicMessagesDialect(),
    gemini: createGeminiDialect(),
    "openai-responses": createOpenAIResponsesDialect(),
  };
}

export const dialects: Record<DialectName, Dialect> = createDialects();
