/** The Vercel AI SDK (`ai` with @ai-sdk/openai and @ai-sdk/anthropic) against the gateway, both conversions. */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { anthropicMessage, anthropicSse, openaiSse, startHarness, type Harness } from "./harness.ts";

const weather = {
  weather: tool({
    description: "Weather for a city",
    inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
  }),
};

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-ai", object: "chat.completion.chunk", created: 1, model: "gpt-x", choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk = { id: "chatcmpl-ai", object: "chat.completion.chunk", created: 1, model: "gpt-x", choices: [], usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } };

describe("AI SDK OpenAI provider → gateway → Anthropic upstream", () => {
  let h: Harness;
  beforeAll(() => (h = startHarness("anthropic")));
  afterAll(() => h.stop());
  const model = () => createOpenAI({ baseURL: `${h.server.url}/v1`, apiKey: h.gatewayKey }).chat("claude-x");

  test("generateText: text, finish reason and usage", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "Bonjour" }], usage: { input_tokens: 9, output_tokens: 2 } }) });
    const r = await generateText({ model: model(), system: "Be French.", prompt: "Say hello" });
    expect(r.text).toBe("Bonjour");
    expect(r.finishReason).toBe("stop");
    expect(r.usage.inputTokens).toBe(9);
    expect(r.usage.outputTokens).toBe(2);
    expect(JSON.stringify(h.upstream.last().body.system)).toContain("Be French.");
  });

  test("streamText with a tool call", async () => {
    h.upstream.enqueue({
      sse: anthropicSse(
        { type: "message_start", message: { id: "msg_ai", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } },
        { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_ai1", name: "weather", input: {} } },
        { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } },
        { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"Paris"}' } },
        { type: "content_block_stop", index: 0 },
        { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 7 } },
        { type: "message_stop" },
      ),
    });
    const r = streamText({ model: model(), prompt: "Weather in Paris?", tools: weather });
    const calls = await r.toolCalls;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ toolCallId: "toolu_ai1", toolName: "weather", input: { city: "Paris" } });
    expect(await r.finishReason).toBe("tool-calls");
    expect((await r.usage).outputTokens).toBe(7);
    expect(h.upstream.last().body.tools[0]).toMatchObject({ name: "weather", input_schema: { type: "object" } });
  });
});

describe("AI SDK Anthropic provider → gateway → OpenAI upstream", () => {
  let h: Harness;
  beforeAll(() => (h = startHarness("openai-compatible")));
  afterAll(() => h.stop());
  const model = () => createAnthropic({ baseURL: `${h.server.url}/v1`, apiKey: h.gatewayKey })("gpt-x");

  test("generateText: text, finish reason and usage", async () => {
    h.upstream.enqueue({
      json: {
        id: "chatcmpl-ai", object: "chat.completion", created: 1, model: "gpt-x",
        choices: [{ index: 0, message: { role: "assistant", content: "Hi there", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
        usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
      },
    });
    const r = await generateText({ model: model(), prompt: "Say hi", maxOutputTokens: 50 });
    expect(r.text).toBe("Hi there");
    expect(r.finishReason).toBe("stop");
    expect(r.usage.inputTokens).toBe(11);
    expect(r.usage.outputTokens).toBe(3);
    expect(h.upstream.last().body.max_tokens).toBe(50);
  });

  test("streamText: text deltas, then a tool call, usage from the trailing chunk", async () => {
    h.upstream.enqueue({
      sse: openaiSse([
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Checking" }),
        chunk({ tool_calls: [{ index: 0, id: "call_ai1", type: "function", function: { name: "weather", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Rome"}' } }] }),
        chunk({}, "tool_calls"),
        usageChunk,
      ]),
    });
    const r = streamText({ model: model(), prompt: "Weather in Rome?", tools: weather });
    expect(await r.text).toBe("Checking");
    const calls = await r.toolCalls;
    expect(calls[0]).toMatchObject({ toolCallId: "call_ai1", toolName: "weather", input: { city: "Rome" } });
    expect(await r.finishReason).toBe("tool-calls");
    expect((await r.usage).inputTokens).toBe(12);
    expect(h.upstream.last().body.stream_options).toEqual({ include_usage: true });
  });
});
