import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { providers } from "./registry.ts";
import { usesResponses } from "./responses-models.ts";

const account = (provider: UpstreamAccount["provider"], over: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  id: "a1", name: "a", type: "api-key", provider, weight: 1, priority: 0, status: "active", created_at: "2026-01-01T00:00:00Z", ...over,
});

describe("which models an account serves through the Responses API", () => {
  test("openai and azure: the Responses-only models by default; an account's list replaces it; [] turns it off", () => {
    for (const p of ["openai", "azure"] as const) {
      expect(usesResponses(account(p), "gpt-5.1-codex-max")).toBe(true);
      expect(usesResponses(account(p), "O3-PRO")).toBe(true);
      expect(usesResponses(account(p), "gpt-4o")).toBe(false);
      expect(usesResponses(account(p, { responses_models: ["gpt-5*"] }), "gpt-5.1")).toBe(true);
      expect(usesResponses(account(p, { responses_models: ["gpt-5*"] }), "o3-pro")).toBe(false);
      expect(usesResponses(account(p, { responses_models: [] }), "gpt-5-codex")).toBe(false);
    }
    expect(usesResponses(account("openai-compatible"), "gpt-5-codex")).toBe(false);
    expect(usesResponses(account("openai-compatible", { responses_models: ["*"] }), "qwen3")).toBe(true);
  });

  test("dialectFor: listed models go to /v1/responses for every client; OpenAI passes Responses clients through", () => {
    const { openai, azure, gemini, anthropic } = providers;
    const compat = providers["openai-compatible"];
    for (const client of ["openai-chat", "openai-completions", "anthropic-messages", "gemini", "openai-responses"] as const) {
      expect(openai.dialectFor(client, account("openai"), "gpt-5-codex")).toBe("openai-responses");
      expect(azure.dialectFor(client, account("azure"), "o3-pro")).toBe("openai-responses");
      expect(gemini.dialectFor(client, account("gemini"), "gpt-5-codex")).toBe("gemini");
      expect(anthropic.dialectFor(client, account("anthropic"), "gpt-5-codex")).toBe("anthropic-messages");
    }
    expect(openai.dialectFor("openai-responses", account("openai"), "gpt-4o")).toBe("openai-responses");
    expect(openai.dialectFor("openai-chat", account("openai"), "gpt-4o")).toBe("openai-chat");
    expect(openai.dialectFor("openai-completions", account("openai"), "gpt-3.5-turbo-instruct")).toBe("openai-completions");
    expect(azure.dialectFor("openai-responses", account("azure"), "gpt-4o")).toBe("openai-chat");
    expect(compat.dialectFor("openai-responses", account("openai-compatible"), "qwen3")).toBe("openai-chat");
    expect(compat.dialectFor("openai-chat", account("openai-compatible", { responses_models: ["qwen*"] }), "qwen3")).toBe("openai-responses");
    // Without the routed model (callers that do not pass it), the dialects of before.
    expect(openai.dialectFor("anthropic-messages", account("openai"))).toBe("openai-chat");
    expect(azure.dialectFor("openai-completions", account("azure"))).toBe("openai-completions");
  });

  test("URLs of the Responses API", () => {
    const t = (provider: UpstreamAccount["provider"], over: Partial<UpstreamAccount>, model = "gpt-5-codex") =>
      providers[provider].target(account(provider, over), { dialect: "openai-responses", model, credential: "k", clientHeaders: new Headers() });
    expect(t("openai", {}).url).toBe("https://api.openai.com/v1/responses");
    expect(t("openai-compatible", { base_url: "http://127.0.0.1:8000/v1" }).url).toBe("http://127.0.0.1:8000/v1/responses");
    expect(t("azure", { base_url: "https://r.openai.azure.com/openai/v1" }).url).toBe("https://r.openai.azure.com/openai/v1/responses");
    // Classic Azure: not under the deployment, and an api-version that knows the Responses API.
    expect(t("azure", { base_url: "https://r.openai.azure.com", api_version: "2024-10-21" }).url).toBe("https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview");
    expect(t("azure", { base_url: "https://r.openai.azure.com", api_version: "2025-05-01-preview" }).url).toBe("https://r.openai.azure.com/openai/responses?api-version=2025-05-01-preview");
    expect(t("azure", { base_url: "https://r.openai.azure.com" }).headers["api-key"]).toBe("k");
  });
});
