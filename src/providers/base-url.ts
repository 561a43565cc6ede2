/**
 * Joins a provider base URL and an endpoint path. A base with no path gets the provider's version prefix
 * (`https://api.openai.com` → `/v1/chat/completions`); a base that already has a path is taken as the versioned
 * root (`http://localhost:11434/v1`, `…/v1beta/openai`), so a `/v1/v1` path can never be built.
 */
export function joinEndpoint(base: string, endpoint: string, versionPrefix = "/v1"): string {
  // Built for every upstream call from a handful of distinct inputs: parsed once each.
  const id = `${base}\u0000${endpoint}\u0000${versionPrefix}`;
  let joined = joinedUrls.get(id);
  if (joined === undefined) {
    const url = new URL(base);
    const path = url.pathname.replace(/\/+$/, "");
    url.pathname = (path === "" ? versionPrefix : path) + endpoint;
    joined = url.toString();
    if (joinedUrls.size >= 1000) joinedUrls.clear();
    joinedUrls.set(id, joined);
  }
  return joined;
}

const joinedUrls = new Map<string, string>();
