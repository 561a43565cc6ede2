/**
 * Google's error shape (src/dialects/README.md "Gemini"): `{"error":{"code","message","status"}}`, `status`
 * being the RPC status name. In a stream the same object is a `data:` line; @google/genai raises an ApiError on it.
 */
import { GatewayError } from "../../errors.ts";
import { codeForStatus, retryAfterSeconds } from "../shared/upstream-error.ts";
import { isObj, tryParseJson, type Json } from "../shared/json-shape.ts";

const NAME_BY_CODE: Partial<Record<GatewayError["code"], string>> = {
  invalid_request: "INVALID_ARGUMENT",
  authentication: "UNAUTHENTICATED",
  permission: "PERMISSION_DENIED",
  not_found: "NOT_FOUND",
  request_too_large: "INVALID_ARGUMENT",
  rate_limited: "RESOURCE_EXHAUSTED",
  overloaded: "UNAVAILABLE",
  unavailable: "UNAVAILABLE",
  timeout: "DEADLINE_EXCEEDED",
};

const GOOGLE_NAMES = new Set([
  "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE", "UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND",
  "ABORTED", "ALREADY_EXISTS", "RESOURCE_EXHAUSTED", "CANCELLED", "DATA_LOSS", "UNKNOWN", "INTERNAL",
  "NOT_IMPLEMENTED", "UNAVAILABLE", "DEADLINE_EXCEEDED",
]);

/** The RPC status name: the upstream's own when it was Google's, otherwise from the error's kind. */
export function googleStatusName(err: GatewayError): string {
  const up = err.options.upstreamType;
  if (up && GOOGLE_NAMES.has(up)) return up;
  return NAME_BY_CODE[err.code] ?? (err.status === 501 ? "NOT_IMPLEMENTED" : "INTERNAL");
}

/** Anthropic's 529 is 503 for Google clients (UNAVAILABLE, which their SDKs retry). */
const googleStatus = (err: GatewayError) => (err.status === 529 ? 503 : err.status);

function errorObject(err: GatewayError): Json {
  return { code: googleStatus(err), message: err.message, status: googleStatusName(err) };
}

export function encodeGeminiError(err: GatewayError): { status: number; body: Record<string, unknown> } {
  return { status: googleStatus(err), body: { error: errorObject(err) } };
}

export function encodeGeminiStreamError(err: GatewayError, framing: "sse" | "json-array" = "sse"): string {
  const body = JSON.stringify({ error: errorObject(err) });
  return framing === "sse" ? `data: ${body}\r\n\r\n` : body;
}

/** `google.rpc.RetryInfo.retryDelay` ("12s", "1.5s") in seconds. */
function retryDelay(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (isObj(d) && typeof d.retryDelay === "string") {
      const s = Number.parseFloat(d.retryDelay);
      if (Number.isFinite(s)) return s;
    }
  }
  return undefined;
}

/** `google.rpc.ErrorInfo.reason` (`API_KEY_INVALID`, `RATE_LIMIT_EXCEEDED`...). */
function reason(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) if (isObj(d) && typeof d.reason === "string") return d.reason;
  return undefined;
}

/**
 * An upstream Gemini error, keeping status and message. A bad API key is a 400 `INVALID_ARGUMENT` with reason
 * `API_KEY_INVALID` at Google: it becomes a 401 here, so routing treats it as the account's credential failing
 * (not the client's request) and the client is told so in its own dialect.
 */
export function decodeGeminiError(status: number, bodyText: string, headers?: Headers): GatewayError {
  const body = tryParseJson(bodyText);
  // Some Google front ends answer with a one-element array around the error.
  const root = Array.isArray(body) && body.length === 1 ? body[0] : body;
  const e = isObj(root) && isObj(root.error) ? root.error : undefined;
  const message = e && typeof e.message === "string" ? e.message : bodyText.trim().slice(0, 2000) || `Upstream returned HTTP ${status}`;
  const upstreamType = e && typeof e.status === "string" ? e.status : undefined;
  const why = reason(e?.details);
  const keyInvalid = why === "API_KEY_INVALID";
  const st = keyInvalid ? 401 : status;
  const retryAfter = retryDelay(e?.details) ?? retryAfterSeconds(headers);
  return new GatewayError(st, keyInvalid ? "authentication" : codeForStatus(st), message, { upstreamType, upstreamCode: why, retryAfter });
}
