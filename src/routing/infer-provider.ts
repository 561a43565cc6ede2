import type { Provider } from "../config/schema.ts";

/**
 * Model-name → provider inference, as the gateway this replaces did it, used for accounts that list no `models`.
 * `o1`/`o3`/`o4` must be the whole name or be followed by `-`, so names like `o3x-…` are not claimed.
 */
const PREFIXES: readonly (readonly [string, Provider])[] = [
  ["claude", "anthropic"],
  ["gpt", "openai"],
  ["chatgpt", "openai"],
  ["text-davinci", "openai"],
  ["davinci", "openai"],
  ["babbage", "openai"],
  // Fine-tuned OpenAI models: `ft:gpt-4o-mini:org::id`.
  ["ft:", "openai"],
  ["gemini", "gemini"],
];
const O_SERIES = ["o1", "o3", "o4"];

export function inferProvider(model: string): Provider | undefined {
  const m = model.toLowerCase();
  for (const [prefix, provider] of PREFIXES) if (m.startsWith(prefix)) return provider;
  for (const o of O_SERIES) if (m === o || m.startsWith(`${o}-`)) return "openai";
  return undefined;
}
