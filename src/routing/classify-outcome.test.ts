import { describe, expect, test } from "bun:test";
import { GatewayError } from "../errors.ts";
import { classifyOutcome, isRetryable, outcomeFromError, shouldFailover } from "./classify-outcome.ts";

const http = (status: number, errorCode?: string) => ({ kind: "http" as const, status, headers: new Headers(), errorCode });

describe("classifyOutcome / isRetryable", () => {
  test("client errors never count and are never retried", () => {
    for (const status of [400, 404, 405, 409, 413, 415, 422]) {
      expect(classifyOutcome(http(status))).toBe("client_error");
      expect(isRetryable(http(status))).toBe(false);
    }
  });
  test("account problems are retried on another account", () => {
    expect(classifyOutcome(http(401))).toBe("auth");
    expect(classifyOutcome(http(403))).toBe("auth");
    // Google's bad key: 400 INVALID_ARGUMENT with reason API_KEY_INVALID (decodeGeminiError keeps the reason).
    expect(classifyOutcome(http(400, "API_KEY_INVALID"))).toBe("auth");
    expect(isRetryable(http(400, "API_KEY_INVALID"))).toBe(true);
    expect(classifyOutcome(http(402))).toBe("billing");
    expect(classifyOutcome(http(429))).toBe("rate_limited");
    expect(classifyOutcome(http(429, "enforced_spend_limit_reached"))).toBe("billing");
    expect(classifyOutcome(http(529))).toBe("overloaded");
    for (const status of [408, 500, 502, 503, 504]) expect(classifyOutcome(http(status))).toBe("server_error");
    expect(classifyOutcome({ kind: "network" })).toBe("server_error");
    expect(classifyOutcome({ kind: "timeout" })).toBe("server_error");
    for (const o of [http(401), http(429), http(529), http(500), { kind: "network" as const }, { kind: "timeout" as const }]) {
      expect(isRetryable(o)).toBe(true);
    }
    expect(isRetryable({ kind: "success", ttfbMs: 3 })).toBe(false);
  });
});

describe("shouldFailover", () => {
  test("GatewayError: explicit retryable wins, else by status; 499 never", () => {
    expect(shouldFailover(new GatewayError(502, "upstream_error", "x", { retryable: true }))).toBe(true);
    expect(shouldFailover(new GatewayError(504, "timeout", "idle", { retryable: false }))).toBe(false);
    expect(shouldFailover(new GatewayError(499, "invalid_request", "gone", { retryable: true }))).toBe(false);
    expect(shouldFailover(new GatewayError(429, "rate_limited", "x"))).toBe(true);
    expect(shouldFailover(new GatewayError(529, "overloaded", "x"))).toBe(true);
    expect(shouldFailover(new GatewayError(400, "invalid_request", "x"))).toBe(false);
    expect(shouldFailover(new GatewayError(413, "request_too_large", "x"))).toBe(false);
  });
  test("other errors: transport failures fail over, aborts do not", () => {
    expect(shouldFailover(new TypeError("fetch failed"))).toBe(true);
    expect(shouldFailover(new DOMException("aborted", "AbortError"))).toBe(false);
  });
});

describe("outcomeFromError", () => {
  test("maps the transport's errors", () => {
    expect(outcomeFromError(new GatewayError(504, "timeout", "first byte"))).toEqual({ kind: "timeout" });
    expect(outcomeFromError(new GatewayError(502, "upstream_error", "conn"))).toEqual({ kind: "network" });
    expect(outcomeFromError(new GatewayError(499, "invalid_request", "gone"))).toBeUndefined();
    expect(outcomeFromError(new TypeError("fetch failed"))).toEqual({ kind: "network" });
    expect(outcomeFromError(new DOMException("aborted", "AbortError"))).toBeUndefined();
    const o = outcomeFromError(new GatewayError(429, "rate_limited", "x", { headers: { "retry-after": "3" } }));
    expect(o?.kind).toBe("http");
    if (o?.kind === "http") {
      expect(o.status).toBe(429);
      expect(o.headers.get("retry-after")).toBe("3");
    }
  });
});
