import { describe, expect, test } from "bun:test";
import { usageFromAnthropic, usageFromOpenAI } from "../../canonical/map-usage.ts";
import { DEFAULT_PRICES } from "./default-prices.ts";
import { costOf, createPriceTable } from "./price-table.ts";

describe("price table", () => {
  const prices = createPriceTable();

  test("exact names, dated snapshots, aliases and path prefixes find their family's price", () => {
    const cases: [string, string][] = [
      ["claude-sonnet-4-20250514", "claude-sonnet-4"],
      ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
      ["claude-opus-4-1-20250805", "claude-opus-4-1"],
      ["claude-3-7-sonnet-latest", "claude-3-7-sonnet"],
      ["claude-3-5-sonnet@20240620", "claude-3-5-sonnet"],
      ["Claude-Haiku-4-5", "claude-haiku-4-5"],
      ["gpt-4o-2024-08-06", "gpt-4o"],
      ["gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
      ["gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"],
      ["gpt-3.5-turbo-0125", "gpt-3.5-turbo"],
      ["o3-mini-high", "o3-mini"],
      ["gpt-5-mini-2025-08-07", "gpt-5-mini"],
      ["models/gemini-2.5-pro", "gemini-2.5-pro"],
      ["gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"],
      ["gemini-2.5-flash-lite", "gemini-2.5-flash-lite"],
    ];
    for (const [model, family] of cases) expect([model, prices.priceOf(model)]).toEqual([model, DEFAULT_PRICES[family]]);
  });

  test("another version number is another model: unknown, not its predecessor's price", () => {
    for (const model of ["claude-opus-4-7", "gpt-4o-mini-2", "gemini-3-pro", "llama-3.1-70b", "", "gpt-5.2"]) {
      expect([model, prices.priceOf(model)]).toEqual([model, undefined]);
      expect(prices.cost(model, { inputTokens: 10, outputTokens: 10 })).toBeNull();
    }
  });

  test("cost: uncached input, cache reads and writes at their prices, reasoning inside output", () => {
    // Anthropic reports input_tokens without the cached parts; canonical usage includes them.
    const usage = usageFromAnthropic({ input_tokens: 1000, cache_read_input_tokens: 20000, cache_creation_input_tokens: 4000, output_tokens: 500 });
    // claude-sonnet-4: 3 in, 15 out, 0.30 read, 3.75 write per million.
    expect(prices.cost("claude-sonnet-4-20250514", usage)).toBeCloseTo((1000 * 3 + 20000 * 0.3 + 4000 * 3.75 + 500 * 15) / 1e6, 12);

    const o = usageFromOpenAI({ prompt_tokens: 10000, completion_tokens: 3000, prompt_tokens_details: { cached_tokens: 8000 }, completion_tokens_details: { reasoning_tokens: 2500 } });
    // o4-mini: 1.10 in, 0.275 cached, 4.40 out; the 2,500 reasoning tokens are part of the 3,000 output.
    expect(prices.cost("o4-mini", o)).toBeCloseTo((2000 * 1.1 + 8000 * 0.275 + 3000 * 4.4) / 1e6, 12);
  });

  test("no usage reported: unknown cost, not zero", () => {
    expect(prices.cost("gpt-4o", undefined)).toBeNull();
    expect(prices.cost(undefined, { inputTokens: 1, outputTokens: 1 })).toBeNull();
  });

  test("config prices replace and extend the built-in ones; missing cache prices default to input", () => {
    const table = createPriceTable({ "GPT-4o": { input: 1, output: 2 }, "my-local-model": { input: 0, output: 0 } });
    expect(table.priceOf("gpt-4o-2024-08-06")).toEqual({ input: 1, output: 2 });
    expect(table.cost("my-local-model", { inputTokens: 100, outputTokens: 100 })).toBe(0);
    expect(costOf({ input: 1, output: 2 }, { inputTokens: 3_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 })).toBe(5);
    // The built-in table is untouched by another table's overrides.
    expect(prices.priceOf("gpt-4o")).toEqual(DEFAULT_PRICES["gpt-4o"]);
  });

  test("an upstream whose reasoning count exceeds its output count still pays the reasoning as output", () => {
    expect(costOf({ input: 0, output: 1 }, { inputTokens: 0, outputTokens: 100, reasoningTokens: 400 })).toBe(400 / 1e6);
  });
});
