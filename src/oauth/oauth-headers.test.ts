import { describe, expect, test } from "bun:test";
import { ANTHROPIC_OAUTH_BETA, mergeAnthropicBeta, oauthRequestHeaders } from "./oauth-headers.ts";

describe("mergeAnthropicBeta", () => {
  test("adds the OAuth flag when the client sent none", () => {
    expect(mergeAnthropicBeta(undefined)).toBe(ANTHROPIC_OAUTH_BETA);
    expect(mergeAnthropicBeta("")).toBe(ANTHROPIC_OAUTH_BETA);
  });

  test("keeps the client's flags first, in order, without duplicates", () => {
    expect(mergeAnthropicBeta("b-1, a-2")).toBe(`b-1,a-2,${ANTHROPIC_OAUTH_BETA}`);
    expect(mergeAnthropicBeta(`x, ${ANTHROPIC_OAUTH_BETA}, y`)).toBe(`x,${ANTHROPIC_OAUTH_BETA},y`);
    expect(mergeAnthropicBeta("x,x, y ,,y")).toBe(`x,y,${ANTHROPIC_OAUTH_BETA}`);
  });
});

describe("oauthRequestHeaders", () => {
  test("Anthropic: bearer plus merged beta, nothing that imitates another client", () => {
    const h = oauthRequestHeaders({ provider: "anthropic", accessToken: "tok", clientAnthropicBeta: "prompt-caching-2024-07-31" });
    expect(h).toEqual({ authorization: "Bearer tok", "anthropic-beta": `prompt-caching-2024-07-31,${ANTHROPIC_OAUTH_BETA}` });
    expect(h["anthropic-beta"]).not.toContain("claude-code");
  });

  test("other providers get the bearer only", () => {
    expect(oauthRequestHeaders({ provider: "openai-compatible", accessToken: "tok" })).toEqual({ authorization: "Bearer tok" });
  });
});
