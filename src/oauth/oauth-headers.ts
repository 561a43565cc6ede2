/**
 * The beta flag that lets the Messages API accept an OAuth bearer token. It is the only flag added: nothing here
 * makes the gateway look like another client (no claude-code flag, user agent or x-app; src/oauth/README.md).
 */
export const ANTHROPIC_OAUTH_BETA = "oauth-2025-04-20";

/**
 * Merges beta flags: the client's own list first, in its order, then each required flag it lacks. Accepts the
 * header as sent (comma-separated, possibly several header lines already joined with ", ").
 */
export function mergeAnthropicBeta(clientHeader: string | undefined, required: readonly string[] = [ANTHROPIC_OAUTH_BETA]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (flag: string) => {
    const f = flag.trim();
    if (f && !seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const f of (clientHeader ?? "").split(",")) add(f);
  for (const f of required) add(f);
  return out.join(",");
}

/**
 * Auth headers for an upstream request made with an OAuth access token. Anthropic: `Authorization: Bearer` plus
 * the OAuth beta flag merged into the client's `anthropic-beta` (and no `x-api-key`); other providers
 * (Qwen's OpenAI-compatible API): the bearer only.
 */
export function oauthRequestHeaders(input: {
  provider: string;
  accessToken: string;
  clientAnthropicBeta?: string;
}): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${input.accessToken}` };
  if (input.provider === "anthropic") headers["anthropic-beta"] = mergeAnthropicBeta(input.clientAnthropicBeta);
  return headers;
}
