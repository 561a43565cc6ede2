/**
 * The official `openai` and `@anthropic-ai/sdk` clients through the real gateway to a native Gemini account, whose
 * fake (test/fakes/gemini-upstream.ts) checks every request as Google's API does: text, streaming, tools, and thought
 * signatures that a `gemini-3*` model requires back on the next turn of a tool loop.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { splitToolCallId } from "../../src/canonical/tool-call-id.ts";
import { mockFetch } from "../../src/providers/mock.ts";
import { createAccountProbe } from "../../src/runtime/probe-account.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { type FakeGemini, SKIP, startFakeGemini } from "../fakes/gemini-upstream.ts";
import { testAccount, testConfig, testKey } from "../support/test-app.ts";
import { singleAccountRouter } from "./harness.ts";

const UPSTREAM_KEY = "AIza-test-upstream-key";
let fake: FakeGemini;
let server: RunningServer;
let dir: string;
let openai: OpenAI;
let anthropic: Anthropic;
let gatewayKey: string;

beforeAll(() => {
  fake = startFakeGemini({ key: UPSTREAM_KEY });
  dir = mkdtempSync(join(tmpdir(), "lgw-gemini-"));
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
  const key = testKey();
  const account = testAccount({ provider: "gemini", base_url: fake.url, api_key: store.cipher.encrypt(UPSTREAM_KEY) });
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(account);
  });
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} }, router: singleAccountRouter(account.id) });
  gatewayKey = key.raw;
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.raw, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: server.url, apiKey: key.raw, maxRetries: 0 });
});
afterAll(async () => {
  await server.shutdown(0);
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fake.clearQueue());

const weather = {
  type: "function" as const,
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } },
};

describe("OpenAI client -> native Gemini upstream", () => {
  test("text: generateContent with the key in x-goog-api-key, usage converted", async () => {
    fake.enqueue({ parts: [{ text: "Bonjour." }], usage: { promptTokenCount: 9, candidatesTokenCount: 2, thoughtsTokenCount: 4, cachedContentTokenCount: 3, totalTokenCount: 15 } });
    const res = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "system", content: "French." }, { role: "user", content: "Hello" }], max_tokens: 50 });
    const sent = fake.last();
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(sent.headers["x-goog-api-key"]).toBe(UPSTREAM_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(JSON.stringify(sent)).not.toContain(gatewayKey);
    expect(sent.body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hello" }] }], systemInstruction: { parts: [{ text: "French." }] }, generationConfig: { maxOutputTokens: 50 } });
    expect(res.choices[0]!.message.content).toBe("Bonjour.");
    expect(res.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 6, total_tokens: 15, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 4 } });
  });

  test("streaming: streamGenerateContent?alt=sse, text in order, usage chunk", async () => {
    fake.enqueue({ parts: [{ text: "One two three" }] });
    const stream = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "count" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: unknown;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(fake.last().path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(text).toBe("One two three");
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5 });
  });

  test("a tool loop on a thinking model: the signature Gemini issued comes back with the call", async () => {
    fake.enqueue({ parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] });
    const first = await openai.chat.completions.create({ model: "gemini-3-pro-preview", messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weather] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(splitToolCallId(call.id).signature).toBe(fake.issued.at(-1)!);
    expect(fake.last().body.tools).toEqual([{ functionDeclarations: [{ name: "get_weather", description: "Weather for a city", parametersJsonSchema: weather.function.parameters }] }]);

    fake.enqueue({ parts: [{ text: "18C and sunny." }] });
    const stream = openai.chat.completions.stream({
      model: "gemini-3-pro-preview",
      tools: [weather],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        first.choices[0]!.message,
        { role: "tool", tool_call_id: call.id, content: '{"temp":18}' },
      ],
    });
    const done = await stream.finalChatCompletion();
    expect(done.choices[0]!.message.content).toBe("18C and sunny.");
    const model = fake.last().body.contents[1];
    expect(model.parts[0].thoughtSignature).toBe(fake.issued[fake.issued.length - 2]!);
    expect(fake.last().body.contents[2].parts[0].functionResponse).toMatchObject({ name: "get_weather", response: { result: '{"temp":18}' } });
  });

  test("history from another model gets Gemini's skip value; limits Gemini refuses are brought into its range", async () => {
    fake.enqueue({ parts: [{ text: "ok" }] });
    await openai.chat.completions.create({
      model: "gemini-3-pro-preview",
      tools: [weather],
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_from_gpt", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
        { role: "tool", tool_call_id: "call_from_gpt", content: "20C" },
      ],
    });
    expect(fake.last().body.contents[1].parts[0]).toEqual({ functionCall: { name: "get_weather", args: { city: "Rome" }, id: "call_from_gpt" }, thoughtSignature: SKIP });
    const err = await openai.chat.completions
      .create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], stop: ["a", "b", "c", "d", "e", "f"] as never, max_tokens: 0 })
      .catch((e) => e);
    // max_tokens 0 becomes Gemini's minimum 1; more than five stop sequences are cut to five (Gemini refuses more).
    expect(err).not.toBeInstanceOf(Error);
    expect(fake.last().body.generationConfig).toEqual({ maxOutputTokens: 1, stopSequences: ["a", "b", "c", "d", "e"] });
  });
});

describe("Anthropic client -> native Gemini upstream", () => {
  test("a streamed tool loop on a thinking model: valid Anthropic stream, the signature survives in the tool_use id", async () => {
    fake.enqueue({ parts: [{ text: "Checking." }, { functionCall: { name: "get_weather", args: { city: "Oslo" } } }], usage: { promptTokenCount: 30, candidatesTokenCount: 8, thoughtsTokenCount: 20, totalTokenCount: 58 } });
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } }];
    const callSignature = fake.issued.length; // the next signature the fake issues is the call's
    const first = await anthropic.messages.stream({ model: "gemini-3-flash", max_tokens: 2000, tools, messages: [{ role: "user", content: "Weather in Oslo?" }], thinking: { type: "enabled", budget_tokens: 1024 } }).finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    expect(first.usage).toMatchObject({ input_tokens: 30, output_tokens: 28 });
    const use = first.content.find((b) => b.type === "tool_use")!;
    expect(use.type === "tool_use" && use.input).toEqual({ city: "Oslo" });
    // An explicit budget stays a budget (Gemini 3 still takes one); only efforts become a thinkingLevel.
    expect(fake.last().body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 1024, includeThoughts: true });

    fake.enqueue({ parts: [{ text: "Cold." }] });
    const second = await anthropic.messages.stream({
      model: "gemini-3-flash", max_tokens: 2000, tools,
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.type === "tool_use" ? use.id : "", content: "-5C" }] },
      ],
    }).finalMessage();
    expect(second.content.map((b) => (b.type === "text" ? b.text : b.type)).join("")).toBe("Cold.");
    const sentModel = fake.last().body.contents[1];
    expect(sentModel.role).toBe("model");
    expect(sentModel.parts.find((p: any) => p.functionCall).thoughtSignature).toBe(fake.issued[callSignature]!);
    expect(splitToolCallId(use.type === "tool_use" ? use.id : "").signature).toBe(fake.issued[callSignature]!);
  });

  test("a bad upstream key is the account's failure, told in the client's dialect", async () => {
    const dir2 = mkdtempSync(join(tmpdir(), "lgw-gemini-bad-"));
    const store = new ConfigStore(join(dir2, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
    const key = testKey();
    const account = testAccount({ provider: "gemini", base_url: fake.url, api_key: store.cipher.encrypt("wrong") });
    store.update((c) => {
      c.gateway_keys.push(key.key);
      c.upstream_accounts.push(account);
    });
    const s = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} }, router: singleAccountRouter(account.id) });
    try {
      const client = new Anthropic({ baseURL: s.url, apiKey: key.raw, maxRetries: 0 });
      const err = await client.messages.create({ model: "gemini-2.5-flash", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(err.message).toContain("API key not valid");
    } finally {
      await s.shutdown(0);
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});

test("the health probe lists the native account's models with its key", async () => {
  const account = testAccount({ provider: "gemini", base_url: fake.url });
  const probe = (key: string) => createAccountProbe({
      config: () => testConfig(),
      fetch: (url, init) => fetch(url, init),
      mockFetch: mockFetch as FetchFn,
      credential: () => key,
    })(account);
  expect((await probe(UPSTREAM_KEY)).kind).toBe("success");
  expect(fake.last()).toMatchObject({ method: "GET", path: "/v1beta/models" });
  expect(fake.last().headers["x-goog-api-key"]).toBe(UPSTREAM_KEY);
  expect(await probe("wrong")).toMatchObject({ kind: "http", status: 400 });
});
