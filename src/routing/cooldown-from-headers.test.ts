import { describe, expect, test } from "bun:test";
import { cooldownFromHeaders, parseGoDuration, parseRfc3339, retryAfterMs } from "./cooldown-from-headers.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const limits = { defaultMs: 30_000, minMs: 1000, maxMs: 900_000 };
const h = (init: Record<string, string>) => new Headers(init);

describe("parseGoDuration", () => {
  test.each([
    ["1s", 1000],
    ["6m0s", 360_000],
    ["20ms", 20],
    ["1h2m3.5s", 3_723_500],
    ["0s", 0],
    ["1.5s", 1500],
    ["250us", 0.25],
  ])("%s = %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });
  test("rejects what is not a duration", () => {
    for (const bad of ["", "5", "s", "1x", "1s garbage", "-1s"]) expect(parseGoDuration(bad)).toBeUndefined();
  });
});

describe("parseRfc3339 and retryAfterMs", () => {
  test("RFC 3339 with Z, offset and fractions", () => {
    expect(parseRfc3339("2026-03-01T12:00:05Z")).toBe(NOW + 5000);
    expect(parseRfc3339("2026-03-01T13:00:05+01:00")).toBe(NOW + 5000);
    expect(parseRfc3339("2026-03-01T12:00:05.250Z")).toBe(NOW + 5250);
    expect(parseRfc3339("tomorrow")).toBeUndefined();
    expect(parseRfc3339("12345")).toBeUndefined();
  });
  test("Retry-After seconds, HTTP date, and retry-after-ms", () => {
    expect(retryAfterMs(h({ "retry-after": "7" }), NOW)).toBe(7000);
    expect(retryAfterMs(h({ "retry-after": "Sun, 01 Mar 2026 12:00:20 GMT" }), NOW)).toBe(20_000);
    expect(retryAfterMs(h({ "retry-after-ms": "1500", "retry-after": "2" }), NOW)).toBe(1500);
    expect(retryAfterMs(h({ "retry-after": "soon" }), NOW)).toBeUndefined();
    expect(retryAfterMs(h({}), NOW)).toBeUndefined();
  });
});

describe("cooldownFromHeaders", () => {
  test("Retry-After wins over reset headers", () => {
    const c = cooldownFromHeaders(429, h({ "retry-after": "12", "x-ratelimit-reset-requests": "5m0s" }), NOW, limits);
    expect(c).toEqual({ until: NOW + 12_000, source: "retry-after" });
  });
  test("Anthropic reset headers: the latest exhausted limit", () => {
    const headers = h({
      "anthropic-ratelimit-requests-remaining": "10",
      "anthropic-ratelimit-requests-reset": "2026-03-01T12:05:00Z",
      "anthropic-ratelimit-tokens-remaining": "0",
      "anthropic-ratelimit-tokens-reset": "2026-03-01T12:00:40Z",
      "anthropic-ratelimit-output-tokens-remaining": "0",
      "anthropic-ratelimit-output-tokens-reset": "2026-03-01T12:00:50Z",
    });
    expect(cooldownFromHeaders(429, headers, NOW, limits)).toEqual({ until: NOW + 50_000, source: "reset-header" });
  });
  test("without remaining headers, the latest reset of all", () => {
    const headers = h({ "x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "6m0s" });
    expect(cooldownFromHeaders(429, headers, NOW, limits).until).toBe(NOW + 360_000);
  });
  test("OpenAI: only the exhausted limit counts", () => {
    const headers = h({
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "20ms",
      "x-ratelimit-remaining-tokens": "5000",
      "x-ratelimit-reset-tokens": "6m0s",
    });
    // 20 ms is raised to the 1 s floor.
    expect(cooldownFromHeaders(429, headers, NOW, limits)).toEqual({ until: NOW + 1000, source: "reset-header" });
  });
  test("absolute times are read against the upstream's Date header (clock skew)", () => {
    const headers = h({
      date: "Sun, 01 Mar 2026 11:59:00 GMT", // upstream clock is a minute behind ours
      "anthropic-ratelimit-tokens-reset": "2026-03-01T11:59:30Z",
    });
    expect(cooldownFromHeaders(429, headers, NOW, limits).until).toBe(NOW + 30_000);
  });
  test("default, floor and cap", () => {
    expect(cooldownFromHeaders(429, h({}), NOW, limits)).toEqual({ until: NOW + 30_000, source: "default" });
    expect(cooldownFromHeaders(429, h({ "retry-after": "0" }), NOW, limits).until).toBe(NOW + 1000);
    expect(cooldownFromHeaders(429, h({ "retry-after": "86400" }), NOW, limits).until).toBe(NOW + 900_000);
    expect(cooldownFromHeaders(429, h({ "retry-after": "Sun, 01 Mar 2026 11:00:00 GMT" }), NOW, limits).until).toBe(NOW + 1000);
  });
  test("reset headers are ignored for 529 (they describe quotas, not capacity)", () => {
    const headers = h({ "anthropic-ratelimit-tokens-reset": "2026-03-01T12:03:00Z" });
    expect(cooldownFromHeaders(529, headers, NOW, { ...limits, defaultMs: 10_000 })).toEqual({ until: NOW + 10_000, source: "default" });
  });
});
