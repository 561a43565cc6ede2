import type { Usage } from "../../canonical/model.ts";
import type { ModelPrice } from "../../config/schema.ts";
import { DEFAULT_PRICES } from "./default-prices.ts";

export interface PriceTable {
  /** The price of a model: exact name, then without a dated suffix, then the longest known name it extends. */
  priceOf(model: string): ModelPrice | undefined;
  /** USD for one request; null when the model has no price or the upstream reported no usage. */
  cost(model: string | null | undefined, usage: Usage | undefined): number | null;
}

/** Model names may come from clients: past this many distinct names, lookups are not remembered. */
const MEMO_LIMIT = 2048;

/** The built-in prices with the config's `usage.prices` over them (an entry replaces the built-in one whole). */
export function createPriceTable(overrides: Record<string, ModelPrice> = {}): PriceTable {
  const table = new Map<string, ModelPrice>();
  for (const [name, price] of Object.entries(DEFAULT_PRICES)) table.set(name, price);
  for (const [name, price] of Object.entries(overrides)) table.set(name.trim().toLowerCase(), price);
  // Longest first, so `gpt-4o-mini-…` finds gpt-4o-mini before gpt-4o.
  const names = [...table.keys()].sort((a, b) => b.length - a.length);
  const memo = new Map<string, ModelPrice | null>();

  const find = (model: string): ModelPrice | undefined => {
    const name = baseName(model);
    const exact = table.get(name);
    if (exact) return exact;
    const undated = withoutDate(name);
    const found = table.get(undated);
    if (found) return found;
    for (const known of names) {
      if (undated.length <= known.length + 1 || !undated.startsWith(known) || undated[known.length] !== "-") continue;
      // The closest family decides. A variant (`-preview`, `-high`, `-search-preview`) shares its price; a
      // further version number (`claude-opus-4` → `claude-opus-4-6`) is another model: unknown, not guessed.
      return isDigit(undated[known.length + 1]!) ? undefined : table.get(known);
    }
    return undefined;
  };

  const priceOf = (model: string): ModelPrice | undefined => {
    const hit = memo.get(model);
    if (hit !== undefined) return hit ?? undefined;
    const price = find(model);
    if (memo.size < MEMO_LIMIT) memo.set(model, price ?? null);
    return price;
  };

  return {
    priceOf,
    cost(model, usage) {
      if (!model || !usage) return null;
      const price = priceOf(model);
      return price ? costOf(price, usage) : null;
    },
  };
}

/**
 * USD for `usage` at `price`. Canonical usage is inclusive: input counts cached and cache-written tokens, output
 * counts reasoning tokens (billed as output), so each part is priced once.
 */
export function costOf(price: ModelPrice, usage: Usage): number {
  const read = usage.cacheReadTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - read - write);
  // An upstream that counts reasoning apart from output still pays for it as output.
  const output = Math.max(usage.outputTokens, usage.reasoningTokens ?? 0);
  return (uncached * price.input + read * (price.cache_read ?? price.input) + write * (price.cache_write ?? price.input) + output * price.output) / 1e6;
}

/** `models/gemini-2.5-pro`, `anthropic/claude-…` → the last path segment, lower case. */
function baseName(model: string): string {
  const lower = model.trim().toLowerCase();
  const slash = lower.lastIndexOf("/");
  return slash >= 0 ? lower.slice(slash + 1) : lower;
}

/** `-20250514`, `@20240620`, `-2024-08-06`, `-0613`, `-latest` dropped from the end. */
function withoutDate(name: string): string {
  return name.replace(/(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-\d{4}|-latest)$/, "");
}

const isDigit = (c: string) => c >= "0" && c <= "9";

/**
 * The price table of the configuration in force: built again when a reload brought another `usage.prices`
 * (a reload makes a new config object), otherwise the same table and its memo. One comparison per request.
 */
export function livePriceTable(prices: () => Record<string, ModelPrice>): () => PriceTable {
  let source: Record<string, ModelPrice> | undefined;
  let table: PriceTable | undefined;
  return () => {
    const current = prices();
    if (current !== source || !table) {
      source = current;
      table = createPriceTable(current);
    }
    return table;
  };
}
