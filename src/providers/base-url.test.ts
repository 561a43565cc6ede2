import { expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { joinEndpoint } from "./base-url.ts";
import { providers } from "./registry.ts";

test("a bare host gets /v1; a base with a path is the versioned root; never /v1/v1", () => {
  expect(joinEndpoint("https://api.openai.com", "/chat/completions")).toBe("https://api.openai.com/v1/chat/completions");
  expect(joinEndpoint("https://api.openai.com/", "/chat/completions")).toBe("https://api.openai.com/v1/chat/completions");
  expect(joinEndpoint("http://127.0.0.1:11434/v1", "/chat/completions")).toBe("http://127.0.0.1:11434/v1/chat/completions");
  expect(joinEndpoint("http://127.0.0.1:11434/v1/", "/chat/completions")).toBe("http://127.0.0.1:11434/v1/chat/completions");
  expect(joinEndpoint("https://generativelanguage.googleapis.com/v1beta/openai", "/chat/completions")).toBe(
    "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
  );
});

const account = (over: Partial<UpstreamAccount>): UpstreamAccount => ({
  id: "up_1", name: "a", type: "api-key", provider: "openai", weight: 1, priority: 0, status: "active", created_at: "", ...over,
});
const opts = { model: "m", credential: "secret", clientHeaders: new Headers({ "anthropic-beta": "a-1", "anthropic-version": "2023-06-01" }) };

test("anthropic: x-api-key, version and betas forwarded; OAuth: bearer plus the oauth beta merged", () => {
  const t = providers.anthropic.target(account({ provider: "anthropic" }), { ...opts, dialect: "anthropic-messages" });
  expect(t.url).toBe("https://api.anthropic.com/v1/messages");
  expect(t.headers).toMatchObject({ "x-api-key": "secret", "anthropic-version": "2023-06-01", "anthropic-beta": "a-1" });
  const o = providers.anthropic.target(account({ provider: "anthropic", type: "oauth" }), { ...opts, dialect: "anthropic-messages" });
  expect(o.headers.authorization).toBe("Bearer secret");
  expect(o.headers["x-api-key"]).toBeUndefined();
  expect(o.headers["anthropic-beta"]).toBe("a-1,oauth-2025-04-20");
  // nothing that presents the gateway as another client
  expect(Object.keys(o.headers).sort()).toEqual(["anthropic-beta", "anthropic-version", "authorization", "content-type"]);
  const dup = providers.anthropic.target(account({ provider: "anthropic", type: "oauth" }), { ...opts, clientHeaders: new Headers({ "anthropic-beta": "x, oauth-2025-04-20, y,x" }), dialect: "anthropic-messages" });
  expect(dup.headers["anthropic-beta"]).toBe("x,oauth-2025-04-20,y");
});

test("openai and compatible: bearer; completions clients keep /completions", () => {
  const t = providers.openai.target(account({}), { ...opts, dialect: "openai-chat" });
  expect(t).toEqual({ url: "https://api.openai.com/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer secret" } });
  expect(providers.openai.dialectFor("openai-completions")).toBe("openai-completions");
  expect(providers.openai.dialectFor("anthropic-messages")).toBe("openai-chat");
  const c = providers["openai-compatible"].target(account({ provider: "openai-compatible", base_url: "http://h:1/v1" }), { ...opts, credential: undefined, dialect: "openai-completions" });
  expect(c).toEqual({ url: "http://h:1/v1/completions", headers: { "content-type": "application/json" } });
});

test("azure: classic deployment URL with api-version, or the v1 shape; api-key header", () => {
  const classic = providers.azure.target(account({ provider: "azure", base_url: "https://r.openai.azure.com", api_version: "2024-10-21" }), { ...opts, model: "my-deploy", dialect: "openai-chat" });
  expect(classic.url).toBe("https://r.openai.azure.com/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21");
  expect(classic.headers["api-key"]).toBe("secret");
  const v1 = providers.azure.target(account({ provider: "azure", base_url: "https://r.openai.azure.com/openai/v1" }), { ...opts, dialect: "openai-chat" });
  expect(v1.url).toBe("https://r.openai.azure.com/openai/v1/chat/completions");
});

test("gemini through its OpenAI-compatible endpoint", () => {
  const g = providers.gemini.target(account({ provider: "gemini" }), { ...opts, dialect: "openai-chat" });
  expect(g.url).toBe("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");
  expect(g.headers.authorization).toBe("Bearer secret");
});
