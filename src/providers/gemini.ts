/**
 * Google's Gemini API (src/dialects/README.md "Gemini"). Native by default: `generateContent` /
 * `streamGenerateContent?alt=sse` / `countTokens` under `{base}/v1beta/models/{model}`, the key in
 * `x-goog-api-key` (never in the URL, where logs would keep it). Per account, Google's OpenAI-compatible endpoint
 * (`…/v1beta/openai`, bearer auth) instead: `gemini_api: openai-compatible`, or a base_url ending in `/openai`
 * (how such accounts were configured before the native dialect existed).
 */
import type { UpstreamAccount } from "../config/schema.ts";
import type { DialectName } from "../dialects/types.ts";
import { joinEndpoint } from "./base-url.ts";
import { bearerTarget } from "./openai.ts";
import type { BuildOptions, ProviderSpec, UpstreamTarget } from "./provider.ts";

export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";
const COMPAT_PATH = "/v1beta/openai";

/** Whether the account uses Google's OpenAI-compatible endpoint rather than the native API. */
export function usesOpenAICompatible(account: UpstreamAccount | undefined): boolean {
  if (account?.gemini_api) return account.gemini_api === "openai-compatible";
  return !!account?.base_url && /\/openai\/?$/.test(new URL(account.base_url).pathname);
}

/** `{base}/v1beta/models/{model}:{method}`; a base with its own path (`…/v1beta`, a proxy prefix) keeps it. */
export function geminiModelUrl(base: string, model: string, method: "generateContent" | "streamGenerateContent" | "countTokens"): string {
  const url = joinEndpoint(base, `/models/${encodeURIComponent(model)}:${method}`, "/v1beta");
  return method === "streamGenerateContent" ? `${url}?alt=sse` : url;
}

export const gemini: ProviderSpec = {
  id: "gemini",
  defaultBaseUrl: GEMINI_BASE_URL,
  dialectFor: (_client: DialectName, account?: UpstreamAccount) => (usesOpenAICompatible(account) ? "openai-chat" : "gemini"),
  target(account, opts: BuildOptions): UpstreamTarget {
    if (opts.dialect !== "gemini") {
      const base = account.base_url ?? `${GEMINI_BASE_URL}${COMPAT_PATH}`;
      return bearerTarget.call(this, { ...account, base_url: base }, opts);
    }
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.credential) headers["x-goog-api-key"] = opts.credential;
    const method = opts.countTokens ? "countTokens" : opts.stream ? "streamGenerateContent" : "generateContent";
    return { url: geminiModelUrl(account.base_url ?? GEMINI_BASE_URL, opts.model, method), headers };
  },
};
