import { GatewayError } from "../errors.ts";

/**
 * What happened when the gateway called one upstream account, as the server reports it to the router.
 * `success` is reported when the first byte (or the whole JSON body) arrived; `http` for any non-2xx
 * answer (pass the upstream's own status and headers); `network` for connection failures, resets and
 * broken bodies; `timeout` for first-byte, idle or total deadlines.
 */
export type UpstreamOutcome =
  | { kind: "success"; ttfbMs?: number }
  | {
      kind: "http";
      status: number;
      headers: Headers;
      /** Provider error code when known, e.g. Anthropic `error.details.error_code` (`enforced_spend_limit_reached`). */
      errorCode?: string;
    }
  | { kind: "network" }
  | { kind: "timeout" };

/**
 * What an outcome means for the account:
 * - `client_error`: the request's own fault (400, 404, 413, 422 and other 4xx not listed below): never
 *   counts against the account and is never retried elsewhere (another account would say the same).
 * - `auth`: 401/403 (and Google's 400 with reason API_KEY_INVALID): the credential is bad; left out until it changes or a probe passes.
 * - `rate_limited`: 429: cool down until the upstream's reset.
 * - `billing`: 402, or a 429 for an exhausted spend limit: cool down for long.
 * - `overloaded`: 529: the provider is out of capacity; cool down briefly.
 * - `server_error`: 5xx, 408, timeouts, connection failures: feeds the circuit breaker.
 */
export type OutcomeClass = "success" | "client_error" | "auth" | "rate_limited" | "billing" | "overloaded" | "server_error";

const SPEND_LIMIT_CODES = new Set(["enforced_spend_limit_reached", "insufficient_quota", "billing_hard_limit_reached"]);
/** Google answers a bad API key with 400 INVALID_ARGUMENT and this reason: the account's credential, not the request. */
const BAD_KEY_CODES = new Set(["API_KEY_INVALID"]);

export function classifyOutcome(outcome: UpstreamOutcome): OutcomeClass {
  switch (outcome.kind) {
    case "success":
      return "success";
    case "network":
    case "timeout":
      return "server_error";
    case "http":
      return classifyStatus(outcome.status, outcome.errorCode);
  }
}

export function classifyStatus(status: number, errorCode?: string): OutcomeClass {
  if (status >= 200 && status < 400) return "success";
  if (status === 401 || status === 403 || (errorCode !== undefined && BAD_KEY_CODES.has(errorCode))) return "auth";
  if (status === 402) return "billing";
  if (status === 429) return errorCode && SPEND_LIMIT_CODES.has(errorCode) ? "billing" : "rate_limited";
  if (status === 529) return "overloaded";
  if (status === 408 || status >= 500) return "server_error";
  return "client_error";
}

/** Whether another account might succeed where this one did not. */
export function isRetryable(outcome: UpstreamOutcome): boolean {
  const c = classifyOutcome(outcome);
  return c !== "success" && c !== "client_error";
}

/**
 * Whether a failed attempt may move on to the next account. The caller must also know that no byte
 * reached the client yet; this only judges the error. A GatewayError's explicit `retryable` wins (the
 * transport marks a stream-idle timeout non-retryable); 499 (client gone) never fails over.
 */
export function shouldFailover(err: unknown): boolean {
  if (err instanceof GatewayError) {
    if (err.status === 499) return false;
    if (err.options.retryable !== undefined) return err.options.retryable;
    const c = classifyStatus(err.status);
    return c !== "success" && c !== "client_error";
  }
  if (isAbort(err)) return false;
  // Anything else thrown while calling an upstream is a transport failure (fetch's TypeError etc.).
  return true;
}

/**
 * The health outcome an attempt's error implies, when the attempt did not report one itself.
 * Undefined when the account is not to blame (the client went away).
 */
export function outcomeFromError(err: unknown): UpstreamOutcome | undefined {
  if (err instanceof GatewayError) {
    if (err.status === 499) return undefined;
    if (err.code === "timeout") return { kind: "timeout" };
    if (err.status === 502 && err.code === "upstream_error") return { kind: "network" };
    return { kind: "http", status: err.status, headers: new Headers(err.options.headers ?? {}) };
  }
  if (isAbort(err)) return undefined;
  return { kind: "network" };
}

function isAbort(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "AbortError";
}
