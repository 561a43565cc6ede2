import { dialects } from "../dialects/index.ts";
import type { DialectName } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import { isGeminiPath } from "./gemini-path.ts";

/**
 * Anthropic's error shape on `/v1/messages*`, Google's on the Gemini paths (`/v1beta/…`, `/v1/models/{m}:{method}`),
 * OpenAI's everywhere else (src/dialects/README.md "Errors").
 */
export const errorDialectForPath = (path: string): DialectName =>
  path.startsWith("/v1/messages") ? "anthropic-messages" : isGeminiPath(path) ? "gemini" : "openai-chat";

export function toGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  return new GatewayError(500, "internal", "internal gateway error", { cause: e });
}

/**
 * The error in the client's dialect. Headers, later ones winning: `under` (the gateway's rate-limit state), the
 * error's own (Retry-After, the upstream's headers), then `over` (the gateway's request id and CORS, which no
 * upstream header may replace).
 */
export function errorResponse(
  err: GatewayError,
  dialect: DialectName,
  over: Record<string, string>,
  under?: Record<string, string>,
): Response {
  const { status, body } = dialects[dialect].encodeError(err);
  const headers: Record<string, string> = { ...under, "content-type": "application/json" };
  if (err.options.retryAfter !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(err.options.retryAfter)));
  if (err.options.headers) Object.assign(headers, err.options.headers);
  Object.assign(headers, over);
  return new Response(JSON.stringify(body), { status, headers });
}
