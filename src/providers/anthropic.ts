import { joinEndpoint } from "./base-url.ts";
import type { ProviderSpec } from "./provider.ts";

export const ANTHROPIC_VERSION = "2023-06-01";
/**
 * The documented beta flag that lets the Messages API accept an OAuth bearer token. It is the only flag the
 * gateway adds: nothing makes it look like another client (no claude-code flag, user agent or x-app;
 * src/oauth/README.md).
 */
export const OAUTH_BETA = "oauth-2025-04-20";

/** Merges comma-separated beta lists (the client's header as sent first), keeping order and dropping duplicates. */
export function mergeBetas(...lists: (string | null | undefined)[]): string {
  const seen = new Set<string>();
  for (const list of lists) for (const b of (list ?? "").split(",")) if (b.trim()) seen.add(b.trim());
  return [...seen].join(",");
}

export const anthropic: ProviderSpec = {
  id: "anthropic",
  defaultBaseUrl: "https://api.anthropic.com",
  dialectFor: () => "anthropic-messages",
  target(account, { credential, clientHeaders, countTokens }) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "anthropic-version": clientHeaders.get("anthropic-version") ?? ANTHROPIC_VERSION,
    };
    const oauth = account.type === "oauth";
    const betas = mergeBetas(clientHeaders.get("anthropic-beta"), oauth ? OAUTH_BETA : undefined);
    if (betas) headers["anthropic-beta"] = betas;
    if (credential) {
      if (oauth) headers.authorization = `Bearer ${credential}`;
      else headers["x-api-key"] = credential;
    }
    const endpoint = countTokens ? "/messages/count_tokens" : "/messages";
    return { url: joinEndpoint(account.base_url ?? this.defaultBaseUrl, endpoint), headers };
  },
};
