/**
 * Upstream HTTP error -> GatewayError, keeping the status, the provider's message (Claude Code
 * drops the features a 400 message names and retries, so it must reach it unchanged) and the
 * provider's error type (src/dialects/README.md "Errors").
 */
import { GatewayError, type ErrorCode } from "../../errors.ts";
import { isObj, tryParseJson } from "./json-shape.ts";

export function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 422 || status === 409) return "invalid_request";
  if (status === 401) return "authentication";
  if (status === 402 || status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status === 503 || status === 529) return "overloaded";
  return status >= 500 ? "upstream_error" : "invalid_request";
}

/** Seconds from `retry-after` (seconds or HTTP date) or `retry-after-ms` (Azure). */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const ra = headers.get("retry-after");
  if (!ra) return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra));
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : undefined;
}

const PASS_HEADERS = ["retry-after", "x-request-id", "request-id"];

/** Shared by both OpenAI and Anthropic shapes: `{error:{message,type,code,param}}` / `{type:"error",error:{type,message}}`. */
export function decodeUpstreamError(status: number, bodyText: string, headers?: Headers): GatewayError {
  const body = tryParseJson(bodyText);
  const err = isObj(body) && isObj(body.error) ? body.error : undefined;
  let message: string;
  if (err && typeof err.message === "string") message = err.message;
  else if (isObj(body) && typeof body.message === "string") message = body.message;
  else message = bodyText.trim().slice(0, 2000) || `Upstream returned HTTP ${status}`;
  const upstreamType =
    err && typeof err.type === "string" ? err.type : err && typeof err.code === "string" ? err.code : undefined;
  const param = err && typeof err.param === "string" ? err.param : undefined;
  // Anthropic's 429 "enforced_spend_limit_reached" is a spending cap, not a rate: no retry helps. The code travels on so routing
  // can cool the account down for long. Whether another account may succeed is routing's call (classifyStatus),
  // so no `retryable` is set here.
  const details = err && isObj(err.details) ? err.details : undefined;
  const upstreamCode =
    typeof details?.error_code === "string" ? details.error_code : err && typeof err.code === "string" ? err.code : undefined;
  const passed: Record<string, string> = {};
  let any = false;
  for (const h of PASS_HEADERS) {
    const v = headers?.get(h);
    if (v) {
      passed[h] = v;
      any = true;
    }
  }
  return new GatewayError(status, codeForStatus(status), message, {
    upstreamCode,
    retryAfter: retryAfterSeconds(headers),
    param,
    upstreamType,
    headers: any ? passed : undefined,
  });
}
