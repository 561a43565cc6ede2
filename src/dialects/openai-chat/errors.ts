/** OpenAI error shapes (src/dialects/README.md "Errors"); shared by both OpenAI dialects. */
import type { GatewayError } from "../../errors.ts";

const CONTEXT_TOO_LONG = /prompt is too long|context length|context window|maximum context|too many tokens/i;

export function openAIErrorTypeAndCode(err: GatewayError): { type: string; code: string | null } {
  switch (err.code) {
    case "invalid_request":
      return { type: "invalid_request_error", code: CONTEXT_TOO_LONG.test(err.message) ? "context_length_exceeded" : (err.options.upstreamType && err.options.upstreamType !== "invalid_request_error" ? err.options.upstreamType : null) };
    case "authentication": return { type: "invalid_request_error", code: "invalid_api_key" };
    case "permission": return { type: "permission_error", code: null };
    case "not_found": return { type: "invalid_request_error", code: err.options.upstreamCode ?? (err.options.upstreamType === "model_not_found" || /model/i.test(err.message) ? "model_not_found" : "not_found") };
    case "request_too_large": return { type: "invalid_request_error", code: "request_too_large" };
    case "rate_limited": return { type: "rate_limit_exceeded", code: err.options.upstreamType === "insufficient_quota" ? "insufficient_quota" : "rate_limit_exceeded" };
    case "overloaded": return { type: "server_error", code: "overloaded" };
    case "timeout": return { type: "server_error", code: "timeout" };
    default: return { type: "server_error", code: null };
  }
}

/** 529 is Anthropic's; OpenAI clients and many proxies and load balancers expect 503 for overload. */
export const openAIStatus = (err: GatewayError) => (err.status === 529 ? 503 : err.status);

function errorObject(err: GatewayError) {
  const { type, code } = openAIErrorTypeAndCode(err);
  return { message: err.message, type, param: err.options.param ?? null, code };
}

export function encodeOpenAIError(err: GatewayError): { status: number; body: Record<string, unknown> } {
  return { status: openAIStatus(err), body: { error: errorObject(err) } };
}

/** An in-stream error is a data line with an `error` key; the official SDK raises an APIError on it. */
export function encodeOpenAIStreamError(err: GatewayError): string {
  return `data: ${JSON.stringify({ error: errorObject(err) })}\n\n`;
}
