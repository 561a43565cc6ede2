/**
 * Gemini on Google Cloud's Vertex AI (src/dialects/README.md "Gemini"): the same request and answer bodies as the
 * Gemini API under `https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/
 * google/models/{model}:generateContent` (`:streamGenerateContent?alt=sse`, `:countTokens`), with an OAuth access
 * token as a bearer token. The token comes from the account's service-account key (src/oauth/service-account.ts,
 * src/runtime/service-account-tokens.ts); here it is only put in the header.
 */
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { BuildOptions, ProviderSpec, UpstreamTarget } from "./provider.ts";

/** The location used when an account names none: Google's global endpoint serves the current Gemini models. */
export const VERTEX_DEFAULT_REGION = "global";

/** Vertex AI's API host for a location: `{region}-aiplatform.googleapis.com`, or `aiplatform.googleapis.com` for `global`. */
export const vertexBaseUrl = (region: string) =>
  region === "global" ? "https://aiplatform.googleapis.com" : `https://${region}-aiplatform.googleapis.com`;

/** `{base}/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:{method}`. */
export function vertexModelUrl(account: UpstreamAccount, model: string, method: "generateContent" | "streamGenerateContent" | "countTokens"): string {
  if (!account.project) {
    throw new GatewayError(500, "internal", `upstream account ${account.id} (vertex) names no project; add it again with --project`);
  }
  const region = account.region ?? VERTEX_DEFAULT_REGION;
  const base = (account.base_url ?? vertexBaseUrl(region)).replace(/\/+$/, "");
  const path = `/v1/projects/${encodeURIComponent(account.project)}/locations/${region}/publishers/google/models/${encodeURIComponent(model)}:${method}`;
  return method === "streamGenerateContent" ? `${base}${path}?alt=sse` : base + path;
}

export const vertex: ProviderSpec = {
  id: "vertex",
  defaultBaseUrl: vertexBaseUrl(VERTEX_DEFAULT_REGION),
  dialectFor: () => "gemini",
  target(account, opts: BuildOptions): UpstreamTarget {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.credential) headers.authorization = `Bearer ${opts.credential}`;
    const method = opts.countTokens ? "countTokens" : opts.stream ? "streamGenerateContent" : "generateContent";
    return { url: vertexModelUrl(account, opts.model, method), headers };
  },
};
