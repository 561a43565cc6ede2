/**
 * The official @google/genai client against the real gateway, over each upstream kind: generateContent,
 * generateContentStream, a function-calling round trip and countTokens (src/dialects/README.md "What real
 * clients send"). The key travels as the SDK sends it (x-goog-api-key).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiError, GoogleGenAI, type Content } from "@google/genai";
import { type GeminiClientHarness, startGeminiClientHarness, UPSTREAM_KINDS } from "./gemini-client-harness.ts";

const MODEL = "gemini-2.5-flash";
const weather = {
  functionDeclarations: [
    { name: "get_weather", description: "Weather for a city", parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  ],
};

for (const kind of UPSTREAM_KINDS) {
  describe(`@google/genai → gateway → ${kind}`, () => {
    let h: GeminiClientHarness;
    let ai: GoogleGenAI;
    beforeAll(() => {
      h = startGeminiClientHarness(kind);
      ai = new GoogleGenAI({ apiKey: h.gatewayKey, httpOptions: { baseUrl: h.server.url } });
    });
    afterAll(() => h.stop());

    test("generateContent: text and usage", async () => {
      h.answer({ text: "Bonjour tout le monde." }, false);
      const r = await ai.models.generateContent({ model: MODEL, contents: "Say hello in French", config: { systemInstruction: "Be brief.", maxOutputTokens: 64 } });
      expect(r.text).toBe(kind === "mock" ? "Mock reply to: Say hello in French" : "Bonjour tout le monde.");
      expect(r.candidates?.[0]?.finishReason).toBe("STOP" as never);
      expect(r.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
      if (kind === "anthropic") {
        const sent = h.received().at(-1)!;
        expect(sent.path).toBe("/v1/messages");
        expect(sent.body).toMatchObject({ model: MODEL, max_tokens: 64, system: [{ type: "text", text: "Be brief." }] });
      }
    });

    test("generateContentStream: the pieces in order, a finishReason last", async () => {
      h.answer({ text: "One two three four." }, true);
      const chunks = [];
      for await (const c of await ai.models.generateContentStream({ model: MODEL, contents: "Count" })) chunks.push(c);
      expect(chunks.map((c) => c.text ?? "").join("")).toBe(kind === "mock" ? "Mock reply to: Count" : "One two three four.");
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.at(-1)!.candidates?.[0]?.finishReason).toBe("STOP" as never);
    });

    test.skipIf(kind === "mock")("function calling: the call, then its response in the next turn", async () => {
      h.answer({ call: { id: "call_w1", name: "get_weather", args: { city: "Paris" } } }, false);
      const contents: Content[] = [{ role: "user", parts: [{ text: "Weather in Paris?" }] }];
      const first = await ai.models.generateContent({ model: MODEL, contents, config: { tools: [weather] } });
      const call = first.functionCalls![0]!;
      expect(call).toMatchObject({ name: "get_weather", args: { city: "Paris" } });
      expect(call.id).toBeTruthy();

      h.answer({ text: "18C and sunny." }, true);
      contents.push(first.candidates![0]!.content!, { role: "user", parts: [{ functionResponse: { name: "get_weather", id: call.id, response: { result: "18C" } } }] });
      let text = "";
      for await (const c of await ai.models.generateContentStream({ model: MODEL, contents, config: { tools: [weather] } })) text += c.text ?? "";
      expect(text).toBe("18C and sunny.");

      const sent = h.received().at(-1)!.body;
      if (kind === "anthropic") {
        expect(sent.tools[0]).toMatchObject({ name: "get_weather", input_schema: weather.functionDeclarations[0]!.parametersJsonSchema });
        expect(sent.messages[1].content[0]).toMatchObject({ type: "tool_use", id: call.id, name: "get_weather", input: { city: "Paris" } });
        expect(sent.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: call.id });
      } else if (kind === "openai-chat") {
        expect(sent.messages[1].tool_calls[0]).toMatchObject({ id: call.id, function: { name: "get_weather" } });
        expect(sent.messages[2]).toMatchObject({ role: "tool", tool_call_id: call.id });
      } else if (kind === "openai-responses") {
        expect(sent.input.find((i: any) => i.type === "function_call")).toMatchObject({ call_id: call.id, name: "get_weather" });
        expect(sent.input.find((i: any) => i.type === "function_call_output")).toMatchObject({ call_id: call.id });
      } else {
        // Passthrough: Google's API sees the client's own turn, function response and all.
        expect(sent.contents[2].parts[0].functionResponse).toEqual({ name: "get_weather", id: call.id, response: { result: "18C" } });
      }
    });

    test("countTokens: a count, exact where the upstream can count", async () => {
      if (kind === "anthropic") h.enqueueRaw({ input_tokens: 13 });
      const r = await ai.models.countTokens({ model: MODEL, contents: "How many tokens is this?" });
      expect(r.totalTokens).toBeGreaterThan(0);
      if (kind === "anthropic") {
        expect(r.totalTokens).toBe(13);
        expect(h.received().at(-1)!.path).toBe("/v1/messages/count_tokens");
      }
      if (kind === "gemini") expect(h.received().at(-1)!.path).toBe(`/v1beta/models/${MODEL}:countTokens`);
    });
  });
}

describe("@google/genai sees the gateway's errors as Google's", () => {
  let h: GeminiClientHarness;
  // A converted upstream: the gateway decodes the request itself (a passthrough leaves judging it to Google).
  beforeAll(() => (h = startGeminiClientHarness("anthropic")));
  afterAll(() => h.stop());

  test("a wrong key is an ApiError 401; a bad request a 400 naming the field", async () => {
    const bad = new GoogleGenAI({ apiKey: "lgw_wrong", httpOptions: { baseUrl: h.server.url } });
    const e1 = await bad.models.generateContent({ model: MODEL, contents: "hi" }).catch((e) => e);
    expect(e1).toBeInstanceOf(ApiError);
    expect(e1.status).toBe(401);
    const ai = new GoogleGenAI({ apiKey: h.gatewayKey, httpOptions: { baseUrl: h.server.url } });
    const e2 = await ai.models.generateContent({ model: MODEL, contents: [{ role: "user", parts: [{ inlineData: { mimeType: "image/png" } }] }] }).catch((e) => e);
    expect(e2).toBeInstanceOf(ApiError);
    expect(e2.status).toBe(400);
    expect(e2.message).toContain("inlineData.data");
  });

  test("models.get: a model the account serves, or a 404 ApiError", async () => {
    const ai = new GoogleGenAI({ apiKey: h.gatewayKey, httpOptions: { baseUrl: h.server.url } });
    expect((await ai.models.get({ model: "claude-sonnet-4-5" })).name).toBe("models/claude-sonnet-4-5");
    const e = await ai.models.get({ model: "gpt-unknown" }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(404);
  });
});
