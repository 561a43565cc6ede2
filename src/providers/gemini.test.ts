import { describe, expect, test } from "bun:test";
import { testAccount } from "../../test/support/test-app.ts";
import { createSseParser } from "../transport/sse-parser.ts";
import { gemini, usesOpenAICompatible } from "./gemini.ts";
import { mockFetch } from "./mock.ts";
import { mock } from "./mock-provider.ts";

const account = (over: Parameters<typeof testAccount>[0] = {}) => testAccount({ provider: "gemini", ...over });
const opts = { model: "gemini-2.5-flash", credential: "AIza-key", clientHeaders: new Headers() };

describe("gemini provider", () => {
  test("native: URL per method, key in x-goog-api-key, never in the URL", () => {
    const a = account();
    expect(gemini.dialectFor("openai-chat", a)).toBe("gemini");
    expect(gemini.target(a, { ...opts, dialect: "gemini" })).toEqual({
      url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
      headers: { "content-type": "application/json", "x-goog-api-key": "AIza-key" },
    });
    expect(gemini.target(a, { ...opts, dialect: "gemini", stream: true }).url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(gemini.target(a, { ...opts, dialect: "gemini", countTokens: true }).url).toEndWith(":countTokens");
    // A base with its own path is the versioned root (a proxy prefix, or /v1).
    expect(gemini.target(account({ base_url: "http://127.0.0.1:9/proxy/v1" }), { ...opts, dialect: "gemini" }).url).toBe("http://127.0.0.1:9/proxy/v1/models/gemini-2.5-flash:generateContent");
    expect(gemini.target(account({ base_url: "http://127.0.0.1:9" }), { ...opts, model: "tuned/x y", dialect: "gemini" }).url).toBe("http://127.0.0.1:9/v1beta/models/tuned%2Fx%20y:generateContent");
  });

  test("the OpenAI-compatible endpoint per account: explicit, or inferred from a base_url ending in /openai", () => {
    const explicit = account({ gemini_api: "openai-compatible" });
    const inferred = account({ base_url: "https://generativelanguage.googleapis.com/v1beta/openai" });
    for (const a of [explicit, inferred]) {
      expect(usesOpenAICompatible(a)).toBe(true);
      expect(gemini.dialectFor("anthropic-messages", a)).toBe("openai-chat");
      expect(gemini.target(a, { ...opts, dialect: "openai-chat" })).toEqual({
        url: "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
        headers: { "content-type": "application/json", authorization: "Bearer AIza-key" },
      });
    }
    expect(usesOpenAICompatible(account({ base_url: "https://generativelanguage.googleapis.com/v1beta/openai", gemini_api: "native" }))).toBe(false);
    expect(usesOpenAICompatible(account({ base_url: "http://127.0.0.1:9/v1beta" }))).toBe(false);
  });

  test("the mock answers Gemini natively, streaming as SSE with a finishReason last", async () => {
    const t = mock.target(testAccount(), { ...opts, dialect: "gemini", stream: true });
    expect(t.url).toBe("http://mock.llm-gateway.invalid/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    const body = { contents: [{ role: "user", parts: [{ text: "Hello there" }] }], systemInstruction: { parts: [{ text: "Be brief." }] } };
    const res = await mockFetch(t.url, { method: "POST", body: JSON.stringify(body) });
    const chunks = createSseParser().push(await res.text()).map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.candidates[0].content.parts[0].text).join("")).toBe("Mock reply to: Hello there");
    expect(chunks.at(-1)).toMatchObject({ candidates: [{ finishReason: "STOP" }], modelVersion: "gemini-2.5-flash" });
    const json = (await (await mockFetch(mock.target(testAccount(), { ...opts, dialect: "gemini" }).url, { method: "POST", body: JSON.stringify({ ...body, generationConfig: { maxOutputTokens: 2 } }) })).json()) as any;
    expect(json.candidates[0]).toMatchObject({ finishReason: "MAX_TOKENS", content: { parts: [{ text: "Mock reply" }] } });
    const count = (await (await mockFetch(mock.target(testAccount(), { ...opts, dialect: "gemini", countTokens: true }).url, { method: "POST", body: JSON.stringify(body) })).json()) as any;
    expect(count.totalTokens).toBeGreaterThan(0);
    const bad = await mockFetch(t.url, { method: "POST", body: JSON.stringify({ contents: [] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.status).toBe("INVALID_ARGUMENT");
  });
});
