/** Anthropic error shapes (src/dialects/README.md "Errors"). */
import type { GatewayError } from "../../errors.ts";
import { encodeSse } from "../../transport/sse-parser.ts";

const ANTHROPIC_TYPES = new Set([
  "invalid_request_error", "authentication_error", "billing_error", "permission_error", "not_found_error",
  "request_too_large", "rate_limit_error", "api_error", "timeout_error", "overloaded_error",
]);

export function anthropicErrorType(err: GatewayError): string {
  // The upstream's own type is kept only where the status says nothing finer: an OpenAI 401 also calls itself
  // `invalid_request_error`, which must still become `authentication_error` here.
  const up = err.options.upstreamType;
  const generic = err.code === "invalid_request" || err.code === "upstream_error" || err.code === "internal";
  if (up && generic && ANTHROPIC_TYPES.has(up)) return up;
  switch (err.code) {
    case "invalid_request": return "invalid_request_error";
    case "authentication": return "authentication_error";
    case "permission": return err.status === 402 ? "billing_error" : "permission_error";
    case "not_found": return "not_found_error";
    case "request_too_large": return "request_too_large";
    case "rate_limited": return "rate_limit_error";
    case "timeout": return "timeout_error";
    case "overloaded": return "overloaded_error";
    default: return "api_error";
  }
}

/** Overloaded is 529 for Anthropic clients: the SDK and Claude Code give it their own retry policy. */
export function anthropicStatus(err: GatewayError): number {
  return err.code === "overloaded" ? 529 : err.status;
}

export function encodeAnthropicError(err: GatewayError): { status: number; body: Record<string, unknown> } {
  return {
    status: anthropicStatus(err),
    body: { type: "error", error: { type: anthropicErrorType(err), message: err.message } },
  };
}

export function encodeAnthropicStreamError(err: GatewayError): string {
  return encodeSse("error", JSON.stringify({ type: "error", error: { type: anthropicErrorType(err), message: err.message } }));
}

const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400, authentication_error: 401, billing_error: 402, permission_error: 403,
  not_found_error: 404, request_too_large: 413, rate_limit_error: 429, api_error: 500,
  timeout_error: 504, overloaded_error: 529,
};

/** Status for an in-stream `event: error` (it arrives after HTTP 200, so the type is all there is). */
export const statusForAnthropicType = (type: unknown): number =>
  (typeof type === "string" && STATUS_BY_TYPE[type]) || 500;
