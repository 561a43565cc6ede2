/**
 * The stream encoders' output fed to the official SDKs' own parsers, without a network:
 * `Stream.fromSSEResponse(new Response(text))` -> the SDK helper accumulators.
 */
import { describe, expect, test } from "bun:test";
import { Stream as AnthropicStream } from "@anthropic-ai/sdk/core/streaming";
import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream";
import { Stream as OpenAIStream } from "openai/core/streaming";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import { GoogleGenAI } from "@google/genai";
import { createDialects } from "./index.ts";
import { decodeSseText, encodeEvents } from "./shared/convert-sse-text.ts";
import type { DialectName } from "./types.ts";

const d = createDialects();
const fx = (dialect: string, name: string) => Bun.file(`${import.meta.dir}/${dialect}/__fixtures__/${name}`).text();

async function convert(from: DialectName, to: DialectName, file: string, includeUsage = true): Promise<string> {
  const events = decodeSseText(d[from].streamDecoder(), await fx(from, file));
  return encodeEvents(d[to].streamEncoder({ model: "client-model", includeUsage, created: 1 }), events);
}

const anthropicFinal = (text: string) =>
  MessageStream.fromReadableStream(AnthropicStream.fromSSEResponse(new Response(text), new AbortController()).toReadableStream()).finalMessage();
const openAIFinal = (text: string) =>
  ChatCompletionStream.fromReadableStream(OpenAIStream.fromSSEResponse(new Response(text), new AbortController()).toReadableStream()).finalChatCompletion();

describe("@anthropic-ai/sdk MessageStream accepts the Anthropic encoder's output", () => {
  test("OpenAI tool-call stream", async () => {
    const m = await anthropicFinal(await convert("openai-chat", "anthropic-messages", "tool-calls-stream.sse"));
    expect(m.model).toBe("client-model");
    expect(m.stop_reason).toBe("tool_use");
    expect(m.content).toEqual([
      { type: "tool_use", id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "call_2", name: "get_time", input: { tz: "CET" } },
    ] as never);
    expect(m.usage).toMatchObject({ input_tokens: 91, output_tokens: 28 });
  });

  test("OpenAI reasoning + text + argument-less tool", async () => {
    const m = await anthropicFinal(await convert("openai-chat", "anthropic-messages", "reasoning-stream.sse"));
    expect(m.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    expect((m.content[0] as { thinking: string }).thinking).toBe("Let me think hard.");
    expect((m.content[2] as { input: unknown }).input).toEqual({});
    expect(m.usage).toMatchObject({ input_tokens: 40, cache_read_input_tokens: 60, output_tokens: 30 });
  });

  test("an OpenAI in-stream error rejects finalMessage()", async () => {
    const upstream = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {"error":{"message":"Overloaded","type":"server_error"}}\n\n';
    const text = encodeEvents(d["anthropic-messages"].streamEncoder({ model: "client-model", created: 1 }), decodeSseText(d["openai-chat"].streamDecoder(), upstream));
    await expect(anthropicFinal(text)).rejects.toThrow(/Overloaded/);
  });
});

describe("openai ChatCompletionStream accepts the OpenAI encoder's output", () => {
  test("Anthropic tool-use stream", async () => {
    const c = await openAIFinal(await convert("anthropic-messages", "openai-chat", "tool-use-stream.sse"));
    expect(c.model).toBe("client-model");
    expect(c.choices[0]!.finish_reason).toBe("tool_calls");
    expect(c.choices[0]!.message.content).toBe("I'll check the current weather in Paris for you.");
    expect(c.choices[0]!.message.tool_calls).toEqual([
      { id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", type: "function", function: { name: "get_weather", arguments: '{"location": "Paris"}' } },
    ] as never);
    expect(c.usage).toEqual({ prompt_tokens: 377, completion_tokens: 65, total_tokens: 442, prompt_tokens_details: { cached_tokens: 0 } } as never);
  });

  test("Anthropic thinking stream with an argument-less tool, no include_usage; signatures travel in thinking_blocks", async () => {
    const text = await convert("anthropic-messages", "openai-chat", "thinking-stream.sse", false);
    const blocks = text.split("\n").filter((l) => l.includes("thinking_blocks")).flatMap((l) => JSON.parse(l.slice(6)).choices[0].delta.thinking_blocks);
    expect(blocks).toEqual([
      { type: "thinking", thinking: "The user wants...", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pk" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
    ]);
    const c = await openAIFinal(text);
    expect(c.choices[0]!.message.content).toBe("Hello!");
    expect(c.choices[0]!.message.tool_calls![0]).toMatchObject({ id: "toolu_noargs", function: { name: "get_time", arguments: "{}" } } as never);
    expect(c.usage).toBeUndefined();
  });

  test("an in-stream error rejects finalChatCompletion()", async () => {
    const text = await convert("anthropic-messages", "openai-chat", "error-stream.sse");
    await expect(openAIFinal(text)).rejects.toThrow(/Overloaded/);
  });

  test("legacy completions chunks parse with the SDK's Stream", async () => {
    const text = await convert("anthropic-messages", "openai-completions", "tool-use-stream.sse");
    let all = "";
    for await (const chunk of OpenAIStream.fromSSEResponse<{ choices: { text: string }[] }>(new Response(text), new AbortController())) {
      all += chunk.choices[0]?.text ?? "";
    }
    expect(all).toBe("I'll check the current weather in Paris for you.");
  });
});

// Recorded upstream streams converted for @google/genai; the SDK against the running gateway over every upstream
// kind (generateContent, streams, function calling, countTokens) is test/clients/genai.test.ts.
describe("@google/genai reads the Gemini encoder's output", () => {
  /** A local server answering every request with `body` (the SDK only talks HTTP); stopped by the caller. */
  const serve = (body: string, contentType: string) =>
    Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(body, { headers: { "content-type": contentType } }) });
  const client = (url: string) => new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: url } });

  for (const [from, file] of [["anthropic-messages", "thinking-stream.sse"], ["anthropic-messages", "tool-use-stream.sse"], ["openai-chat", "tool-calls-stream.sse"], ["openai-chat", "text-stream.sse"]] as const) {
    test(`generateContentStream over a converted ${from} ${file}`, async () => {
      const text = await convert(from, "gemini", file);
      const server = serve(text, "text/event-stream");
      try {
        const chunks = [];
        for await (const c of await client(server.url.href).models.generateContentStream({ model: "gemini-2.5-flash", contents: "hi" })) chunks.push(c);
        const last = chunks.at(-1)!;
        expect(last.candidates?.[0]?.finishReason).toBe("STOP" as never);
        expect(last.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
        const calls = chunks.flatMap((c) => c.functionCalls ?? []);
        const events = decodeSseText(d[from].streamDecoder(), await fx(from, file));
        const toolStarts = events.filter((e) => e.type === "block_start" && e.block.type === "tool_call");
        expect(calls.map((c) => c.name)).toEqual(toolStarts.map((e) => (e as any).block.name));
        for (const c of calls) expect(typeof c.args).toBe("object");
      } finally {
        server.stop(true);
      }
    });
  }
});
