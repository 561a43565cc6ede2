/**
 * Joins a provider base URL and an endpoint path. A base with no path gets the provider's version prefix
 * (`https://api.openai.com` → `/v1/chat/completions`); a base that already has a path is taken as the versioned
 * root (`http://localhost:11434/v1`, `…/v1beta/openai`), so a `/v1/v1` path can never be built.
 */
export function joinEndpoint(base: string, endpoint: string, versionPrefix = "/v1"): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = (path === "" ? versionPrefix : path) + endpoint;
  return url.toString();
}
