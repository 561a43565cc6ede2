import { describe, expect, test } from "bun:test";
import { inferProvider } from "./infer-provider.ts";
import { bestMatch, EXACT_MATCH, matchModel } from "./match-model.ts";
import { describeServedModels, servesModel } from "./serves-model.ts";

describe("matchModel", () => {
  test("exact, prefix and star, case-insensitive", () => {
    expect(matchModel("gpt-4o", "gpt-4o")).toBe(EXACT_MATCH);
    expect(matchModel("GPT-4o", "gpt-4O")).toBe(EXACT_MATCH);
    expect(matchModel("gpt-4o", "gpt-4o-mini")).toBeUndefined();
    expect(matchModel("gpt-4*", "gpt-4o-mini")).toBe(5);
    expect(matchModel("gpt-4*", "gpt-3.5")).toBeUndefined();
    expect(matchModel("*", "anything")).toBe(0);
  });
  test("a star not at the end is literal", () => {
    expect(matchModel("claude-*-sonnet", "claude-3-sonnet")).toBeUndefined();
    expect(matchModel("claude-*-sonnet", "claude-*-sonnet")).toBe(EXACT_MATCH);
  });
  test("bestMatch: exact beats longer prefix beats shorter prefix beats star", () => {
    expect(bestMatch(["*", "claude*", "claude-3*"], "claude-3-opus")).toBe(8);
    expect(bestMatch(["*", "claude-3-opus"], "claude-3-opus")).toBe(EXACT_MATCH);
    expect(bestMatch(["gpt*"], "claude")).toBeUndefined();
    expect(bestMatch([], "claude")).toBeUndefined();
  });
});

describe("inferProvider", () => {
  test.each([
    ["claude-sonnet-4-5", "anthropic"],
    ["gpt-4o", "openai"],
    ["chatgpt-4o-latest", "openai"],
    ["o1", "openai"],
    ["o3-mini", "openai"],
    ["o4-mini", "openai"],
    ["text-davinci-003", "openai"],
    ["davinci-002", "openai"],
    ["babbage-002", "openai"],
    ["ft:gpt-4o-mini:org::abc", "openai"],
    ["gemini-2.5-pro", "gemini"],
    ["Claude-3-Haiku", "anthropic"],
  ] as const)("%s → %s", (model, provider) => {
    expect(inferProvider(model)).toBe(provider);
  });
  test("unknown names and look-alikes infer nothing", () => {
    expect(inferProvider("llama-3.1-70b")).toBeUndefined();
    expect(inferProvider("deepseek-chat")).toBeUndefined();
    expect(inferProvider("o3x-large")).toBeUndefined();
    expect(inferProvider("o10")).toBeUndefined();
  });
});

describe("servesModel", () => {
  const acct = (provider: any, models?: string[]) => ({ provider, models });
  test("an account's models list decides when present", () => {
    expect(servesModel(acct("anthropic", ["claude-3*"]), "claude-3-opus")).toBe(true);
    expect(servesModel(acct("anthropic", ["claude-3*"]), "claude-sonnet-4")).toBe(false);
    expect(servesModel(acct("openai", ["*"]), "claude-3-opus")).toBe(true);
    expect(servesModel(acct("openai-compatible", ["gpt-4o"]), "gpt-4o")).toBe(true);
  });
  test("an empty models list is the same as none", () => {
    expect(servesModel(acct("anthropic", []), "claude-3-opus")).toBe(true);
  });
  test("inference by provider", () => {
    expect(servesModel(acct("anthropic"), "claude-3-opus")).toBe(true);
    expect(servesModel(acct("anthropic"), "gpt-4o")).toBe(false);
    expect(servesModel(acct("openai"), "gpt-4o")).toBe(true);
    expect(servesModel(acct("openai"), "llama-3")).toBe(false);
    expect(servesModel(acct("gemini"), "gemini-2.0-flash")).toBe(true);
    expect(servesModel(acct("gemini"), "gpt-4o")).toBe(false);
  });
  test("azure serves OpenAI names and unknown names; openai-compatible only unknown names", () => {
    expect(servesModel(acct("azure"), "gpt-4o")).toBe(true);
    expect(servesModel(acct("azure"), "my-deployment")).toBe(true);
    expect(servesModel(acct("azure"), "claude-3-opus")).toBe(false);
    expect(servesModel(acct("openai-compatible"), "llama-3")).toBe(true);
    expect(servesModel(acct("openai-compatible"), "gpt-4o")).toBe(false);
    expect(servesModel(acct("openai-compatible"), "gemini-pro")).toBe(false);
  });
  test("mock serves every model", () => {
    expect(servesModel(acct("mock"), "claude-3-opus")).toBe(true);
    expect(servesModel(acct("mock"), "whatever")).toBe(true);
    expect(servesModel(acct("mock", ["mock-1"]), "whatever")).toBe(false);
  });
  test("describeServedModels names the patterns", () => {
    expect(describeServedModels(acct("anthropic"))).toBe("claude*");
    expect(describeServedModels(acct("openai", ["gpt-4o", "o3*"]))).toBe("gpt-4o, o3*");
    expect(describeServedModels(acct("mock"))).toBe("*");
  });
});
