import type { ModelPrice } from "../../config/schema.ts";

/**
 * List prices, USD per million tokens, of the models the gateway is most often used with, as the providers
 * published them (standard tier, prompts within the base context tier). Compiled into the binary; `usage.prices`
 * in the config overrides an entry or adds one. Names are matched after lower-casing and dropping a dated suffix
 * (see price-table.ts), so `claude-sonnet-4-20250514` finds `claude-sonnet-4`.
 *
 * - Anthropic: cache writes are the 5-minute kind (1.25 × input), cache reads 0.1 × input.
 * - OpenAI: cached input is discounted, writing the cache costs nothing extra (cache_write = input).
 * - Gemini: implicit cache hits are discounted; explicit cache storage is billed by the hour and not counted here.
 *   Prompts over 200k tokens cost more on the Pro models; the base tier is what is listed.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  // Anthropic
  "claude-opus-4-5": { input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 },
  "claude-opus-4-1": { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 },
  "claude-opus-4": { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 },
  "claude-sonnet-4-5": { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  "claude-sonnet-4": { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  "claude-haiku-4-5": { input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 },
  "claude-3-7-sonnet": { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  "claude-3-5-sonnet": { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cache_read: 0.08, cache_write: 1 },
  "claude-3-opus": { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 },
  "claude-3-haiku": { input: 0.25, output: 1.25, cache_read: 0.03, cache_write: 0.3 },

  // OpenAI
  "gpt-5": { input: 1.25, output: 10, cache_read: 0.125, cache_write: 1.25 },
  "gpt-5.1": { input: 1.25, output: 10, cache_read: 0.125, cache_write: 1.25 },
  "gpt-5-chat": { input: 1.25, output: 10, cache_read: 0.125, cache_write: 1.25 },
  "gpt-5-mini": { input: 0.25, output: 2, cache_read: 0.025, cache_write: 0.25 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cache_read: 0.005, cache_write: 0.05 },
  "gpt-5-pro": { input: 15, output: 120, cache_read: 15, cache_write: 15 },
  "gpt-4.1": { input: 2, output: 8, cache_read: 0.5, cache_write: 2 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cache_read: 0.1, cache_write: 0.4 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cache_read: 0.025, cache_write: 0.1 },
  "gpt-4o": { input: 2.5, output: 10, cache_read: 1.25, cache_write: 2.5 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cache_read: 0.075, cache_write: 0.15 },
  "gpt-4-turbo": { input: 10, output: 30, cache_read: 10, cache_write: 10 },
  "gpt-4": { input: 30, output: 60, cache_read: 30, cache_write: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5, cache_read: 0.5, cache_write: 0.5 },
  o1: { input: 15, output: 60, cache_read: 7.5, cache_write: 15 },
  "o1-mini": { input: 1.1, output: 4.4, cache_read: 0.55, cache_write: 1.1 },
  "o1-pro": { input: 150, output: 600, cache_read: 150, cache_write: 150 },
  o3: { input: 2, output: 8, cache_read: 0.5, cache_write: 2 },
  "o3-mini": { input: 1.1, output: 4.4, cache_read: 0.55, cache_write: 1.1 },
  "o3-pro": { input: 20, output: 80, cache_read: 20, cache_write: 20 },
  "o4-mini": { input: 1.1, output: 4.4, cache_read: 0.275, cache_write: 1.1 },

  // Gemini
  "gemini-2.5-pro": { input: 1.25, output: 10, cache_read: 0.125, cache_write: 1.25 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cache_read: 0.03, cache_write: 0.3 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cache_read: 0.01, cache_write: 0.1 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4, cache_read: 0.025, cache_write: 0.1 },
  "gemini-2.0-flash-lite": { input: 0.075, output: 0.3, cache_read: 0.075, cache_write: 0.075 },
};
