/** CORS for browser clients; origins come from `server.cors_origins` ("*" allows any). */
const ALLOW_HEADERS = "authorization, x-api-key, anthropic-version, anthropic-beta, content-type, x-request-id, anthropic-dangerous-direct-browser-access, x-stainless-retry-count, x-stainless-timeout";
const EXPOSE_HEADERS = "x-request-id, request-id, retry-after, x-upstream-request-id";

export function corsHeaders(origin: string | null, allowed: string[]): Record<string, string> | undefined {
  if (!origin) return undefined;
  const any = allowed.includes("*");
  if (!any && !allowed.includes(origin)) return undefined;
  return {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": ALLOW_HEADERS,
    "access-control-expose-headers": EXPOSE_HEADERS,
    "access-control-max-age": "600",
    ...(any ? {} : { vary: "origin" }),
  };
}
