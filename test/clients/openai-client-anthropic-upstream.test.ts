/**
 * The official `openai` client talking to the gateway, which converts to an Anthropic upstream (requests, responses,
 * streams, stop reasons and usage as src/dialects/README.md describes). Each test asserts both sides: the
 * Anthropic body the fake upstream received, and what the SDK handed back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import {
  anthropicMessage,
  anthropicSse,
  fixtureJson,
  fixtureText,
  type Harness,
  PNG_1PX,
  startHarness,
  UPSTREAM_KEY,
} from "./harness.ts";

let h: Harness;
let openai: OpenAI;
beforeAll(() => {
  h = startHarness("anthropic");
  openai = h.openai;
});
afterAll(() => h.stop());
beforeEach(() => {
  h.setRewrite(undefined);
  h.upstream.clearQueue();
});

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Get weather for a city",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

describe("OpenAI client -> Anthropic upstream", () => {
  test("plain text: Anthropic headers and body upstream, chat.completion back with converted usage", async () => {
    h.upstream.enqueue({
      json: anthropicMessage({
        content: [{ type: "text", text: "Hi there!" }],
        usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 3, cache_read_input_tokens: 200 },
      }),
      headers: { "request-id": "req_011CPlain", "anthropic-ratelimit-requests-remaining": "99" },
    });
    const { data: res, response } = await openai.chat.completions
      .create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hello" }] })
      .withResponse();

    const sent = h.upstream.last();
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(UPSTREAM_KEY);
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    // The gateway key never leaves the gateway.
    expect(JSON.stringify(sent.headers)).not.toContain(h.gatewayKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.model).toBe("claude-sonnet-4-5");
    // max_tokens is required by Anthropic; the configured default fills it in.
    expect(sent.body.max_tokens).toBe(4096);
    expect(sent.body.stream).not.toBe(true);
    expect(sent.body.messages).toHaveLength(1);
    expect(sent.body.messages[0].role).toBe("user");
    const c0 = sent.body.messages[0].content;
    expect(typeof c0 === "string" ? c0 : c0.map((b: any) => b.text).join("")).toBe("Hello");
    expect(sent.body).not.toHaveProperty("stream_options");

    expect(res.object).toBe("chat.completion");
    expect(res.model).toBe("claude-sonnet-4-5");
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]!.message.role).toBe("assistant");
    expect(res.choices[0]!.message.content).toBe("Hi there!");
    expect(res.choices[0]!.finish_reason).toBe("stop");
    // prompt_tokens = input + cache_creation + cache_read; cached_tokens = cache_read.
    expect(res.usage!.prompt_tokens).toBe(213);
    expect(res.usage!.completion_tokens).toBe(5);
    expect(res.usage!.total_tokens).toBe(218);
    expect(res.usage!.prompt_tokens_details?.cached_tokens).toBe(200);
    // Upstream request id and rate-limit headers come back.
    expect(response.headers.get("request-id")).toBe("req_011CPlain");
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("99");
  });

  test("system prompt: system and developer messages hoisted into `system` text blocks", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "ok" }] }) });
    const res = await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hello" },
      ],
    });
    const sent = h.upstream.last().body;
    expect(sent.system).toEqual([
      { type: "text", text: "You are terse." },
      { type: "text", text: "Answer in French." },
    ]);
    expect(sent.messages.map((m: any) => m.role)).toEqual(["user"]);
    expect(res.choices[0]!.message.content).toBe("ok");
  });

  test("multi-turn: alternating user/assistant turns, assistant text as a text block", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "Blue." }] }) });
    const res = await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [
        { role: "user", content: "Name a colour." },
        { role: "assistant", content: "Red." },
        { role: "user", content: "Another one." },
      ],
    });
    const msgs = h.upstream.last().body.messages;
    expect(msgs.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    const text = (c: any) => (typeof c === "string" ? c : c.map((b: any) => b.text).join(""));
    expect(msgs.map((m: any) => text(m.content))).toEqual(["Name a colour.", "Red.", "Another one."]);
    expect(res.choices[0]!.message.content).toBe("Blue.");
  });

  test("tool round trip: tools/tool_choice mapped, tool_use -> tool_calls, tool result back as a user tool_result", async () => {
    // Turn 1: the model calls the tool (thinking + text + tool_use).
    h.upstream.enqueue({ json: fixtureJson("anthropic-messages/response-tool-use.json") });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages,
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      max_completion_tokens: 1024,
    });
    const sent1 = h.upstream.last().body;
    expect(sent1.tools).toEqual([
      {
        name: "get_weather",
        description: "Get weather for a city",
        input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
      },
    ]);
    expect(sent1.tool_choice).toEqual({ type: "tool", name: "get_weather" });
    expect(sent1.max_tokens).toBe(1024);

    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("I'll check the weather in Paris for you.");
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe("toolu_01NRLabsLyVHZPKxbKvkfSMn");
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("get_weather");
    expect(typeof call.function.arguments).toBe("string");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
    // Thinking text as the non-standard reasoning_content.
    expect((choice.message as any).reasoning_content).toBe("...");
    // Usage converted: prompt tokens include the cache.
    expect(first.usage).toMatchObject({ prompt_tokens: 377, completion_tokens: 65, total_tokens: 442 });

    // Turn 2: the client answers the call.
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "18C and sunny in Paris." }] }) });
    messages.push(choice.message as OpenAI.ChatCompletionMessageParam);
    messages.push({ role: "tool", tool_call_id: call.id, content: "18C, sunny" });
    const second = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages, tools: [weatherTool] });
    const sent2 = h.upstream.last().body;
    expect(sent2.messages.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    const assistant = sent2.messages[1].content as any[];
    const toolUse = assistant.find((b) => b.type === "tool_use");
    // tool_use.input is an object, never the JSON string.
    expect(toolUse).toEqual({ type: "tool_use", id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", input: { location: "Paris" } });
    expect(assistant.filter((b) => b.type === "text").map((b) => b.text)).toEqual(["I'll check the weather in Paris for you."]);
    const results = sent2.messages[2].content as any[];
    expect(results[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_01NRLabsLyVHZPKxbKvkfSMn" });
    const rc = results[0].content;
    expect(typeof rc === "string" ? rc : rc.map((b: any) => b.text).join("")).toBe("18C, sunny");
    expect(second.choices[0]!.message.content).toBe("18C and sunny in Paris.");
    expect(second.choices[0]!.finish_reason).toBe("stop");
  });

  test("parallel tool calls: a two-call tool loop request, and two tool_calls back through the stream helper", async () => {
    h.upstream.enqueue({ sse: fixtureText("anthropic-parallel-tools.sse") });
    // Two parallel calls answered by two tool messages, then a user question; an empty assistant content.
    const stream = openai.chat.completions.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
        { role: "tool", tool_call_id: "call_2", content: "24C" },
        { role: "user", content: "Which is warmer?" },
      ],
      tools: [
        {
          type: "function",
          function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
        },
      ],
      tool_choice: "auto",
      temperature: 1.4,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => void chunks.push(c));
    const final = await stream.finalChatCompletion();

    // The Anthropic request: empty assistant text dropped, results merged before the user text, temperature
    // clamped (user text may be a string or a text block; both are the same message).
    const sent = h.upstream.last().body;
    expect(sent).toMatchObject({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      stream: true,
      temperature: 1,
      system: [{ type: "text", text: "You are terse." }],
      tool_choice: { type: "auto" },
    });
    expect(sent.tools).toEqual([
      { name: "get_weather", description: "", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
    ]);
    expect(sent.messages).toHaveLength(3);
    expect(sent.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", id: "call_2", name: "get_weather", input: { city: "Rome" } },
      ],
    });
    expect(sent.messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "18C" },
        { type: "tool_result", tool_use_id: "call_2", content: "24C" },
        { type: "text", text: "Which is warmer?" },
      ],
    });
    expect(sent).not.toHaveProperty("stream_options");

    // Response: two tool calls with their own 0/1 indexes (not Anthropic's block indexes), parsed arguments, finish tool_calls.
    const msg = final.choices[0]!.message;
    expect(msg.content).toBe("Checking both.");
    const calls = msg.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.id)).toEqual(["toolu_01Paris0000000000000000", "toolu_01Rome00000000000000000"]);
    expect(calls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ city: "Paris" }, { city: "Rome" }]);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 40, total_tokens: 90 });
    const toolIndexes = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []).map((t) => t.index));
    expect(new Set(toolIndexes)).toEqual(new Set([0, 1]));
    // Same id on every chunk; exactly one finish_reason.
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason !== null)).toHaveLength(1);
  });

  test("parallel_tool_calls:false -> tool_choice.disable_parallel_tool_use:true", async () => {
    h.upstream.enqueue({ json: anthropicMessage({}) });
    await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Weather?" }],
      tools: [weatherTool],
      parallel_tool_calls: false,
    });
    expect(h.upstream.last().body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
  });

  test("tool_choice required/none map to any/none", async () => {
    h.upstream.enqueue({ json: anthropicMessage({}) }, { json: anthropicMessage({}) });
    await openai.chat.completions.create({ model: "c", messages: [{ role: "user", content: "x" }], tools: [weatherTool], tool_choice: "required" });
    expect(h.upstream.last().body.tool_choice).toEqual({ type: "any" });
    await openai.chat.completions.create({ model: "c", messages: [{ role: "user", content: "x" }], tools: [weatherTool], tool_choice: "none" });
    expect(h.upstream.last().body.tool_choice).toEqual({ type: "none" });
  });

  test("image: data URL -> base64 source, https URL -> url source, detail dropped", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "Two pixels." }] }) });
    const res = await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_1PX}`, detail: "high" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "auto" } },
          ],
        },
      ],
    });
    const content = h.upstream.last().body.messages[0].content;
    expect(content).toEqual([
      { type: "text", text: "What is in these?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: PNG_1PX } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
    ]);
    expect(res.choices[0]!.message.content).toBe("Two pixels.");
  });

  test("stop sequence: stop string -> stop_sequences array; stop_sequence -> finish_reason stop", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "1, 2, 3" }], stop_reason: "stop_sequence", stop_sequence: "4" }) });
    const res = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Count" }], stop: "4" });
    expect(h.upstream.last().body.stop_sequences).toEqual(["4"]);
    expect(h.upstream.last().body).not.toHaveProperty("stop");
    expect(res.choices[0]!.finish_reason).toBe("stop");
    expect(res.choices[0]!.message.content).toBe("1, 2, 3");
  });

  test("max-tokens cut-off: max_tokens passed, stop_reason max_tokens -> finish_reason length", async () => {
    h.upstream.enqueue({
      json: anthropicMessage({ content: [{ type: "text", text: "Once upon" }], stop_reason: "max_tokens", usage: { input_tokens: 9, output_tokens: 3 } }),
    });
    const res = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Tell a story" }], max_tokens: 3 });
    expect(h.upstream.last().body.max_tokens).toBe(3);
    expect(res.choices[0]!.finish_reason).toBe("length");
    expect(res.choices[0]!.message.content).toBe("Once upon");
    expect(res.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
  });

  test("thinking: reasoning_effort -> thinking budget (temperature dropped), thinking text -> reasoning_content", async () => {
    h.upstream.enqueue({
      json: anthropicMessage({
        content: [
          { type: "thinking", thinking: "Six times seven.", signature: "EqQBsig" },
          { type: "text", text: "42" },
        ],
        usage: { input_tokens: 15, output_tokens: 120, output_tokens_details: { thinking_tokens: 100 } },
      }),
    });
    const res = await openai.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "6*7?" }],
      reasoning_effort: "high",
      max_completion_tokens: 8000,
      temperature: 0.5,
    });
    const sent = h.upstream.last().body;
    // high -> 4096 (LiteLLM's numbers); the budget stays below max_tokens.
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 4096 });
    expect(sent.max_tokens).toBe(8000);
    // Anthropic rejects temperature != 1 with thinking.
    expect(sent).not.toHaveProperty("temperature");
    const msg = res.choices[0]!.message as any;
    expect(msg.content).toBe("42");
    expect(msg.reasoning_content).toBe("Six times seven.");
    expect(res.usage!.completion_tokens_details?.reasoning_tokens).toBe(100);
  });

  test("thinking, streamed: thinking_delta -> reasoning_content deltas; cache usage mapped in the usage chunk", async () => {
    h.upstream.enqueue({ sse: fixtureText("anthropic-thinking.sse") });
    const stream = openai.chat.completions.stream({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "The answer?" }],
      reasoning_effort: "low",
      max_tokens: 2000,
      stream_options: { include_usage: true },
    });
    let reasoning = "";
    stream.on("chunk", (c) => {
      for (const ch of c.choices) reasoning += (ch.delta as any).reasoning_content ?? "";
    });
    const final = await stream.finalChatCompletion();
    expect(h.upstream.last().body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(reasoning).toBe("The user wants a short answer.");
    expect(final.choices[0]!.message.content).toBe("Forty-two.");
    expect(final.choices[0]!.finish_reason).toBe("stop");
    // 20 + 100 + 1000 prompt tokens, 1000 of them cached.
    expect(final.usage).toMatchObject({ prompt_tokens: 1120, completion_tokens: 30, total_tokens: 1150 });
    expect(final.usage!.prompt_tokens_details?.cached_tokens).toBe(1000);
  });

  test("streaming: the recorded tool-use stream through chat.completions.stream().finalChatCompletion(), chunks, usage", async () => {
    h.upstream.enqueue({ sse: fixtureText("anthropic-messages/tool-use-stream.sse") });
    const stream = openai.chat.completions.stream({
      model: "claude-opus-4-8",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [weatherTool],
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => void chunks.push(c));
    const final = await stream.finalChatCompletion();

    const sent = h.upstream.last();
    expect(sent.body.stream).toBe(true);
    expect(sent.body).not.toHaveProperty("stream_options");

    const msg = final.choices[0]!.message;
    expect(msg.content).toBe("I'll check the current weather in Paris for you.");
    const call = msg.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe("toolu_01NRLabsLyVHZPKxbKvkfSMn");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ prompt_tokens: 377, completion_tokens: 65, total_tokens: 442 });
    expect(final.usage!.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(final.model).toBe("claude-opus-4-8");

    // Role chunk first, tool call index 0 (not the Anthropic block index 1),
    // usage in a separate choices:[] chunk after the finish chunk.
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const toolDeltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(toolDeltas.every((t) => t.index === 0)).toBe(true);
    const finishAt = chunks.findIndex((c) => c.choices.some((ch) => ch.finish_reason !== null));
    const usageAt = chunks.findIndex((c) => c.usage);
    expect(finishAt).toBeGreaterThan(0);
    expect(usageAt).toBeGreaterThan(finishAt);
    expect(chunks[usageAt]!.choices).toEqual([]);
    expect(new Set(chunks.map((c) => `${c.id}/${c.created}`)).size).toBe(1);
  });

  test("streaming plain text without include_usage: the SDK sees no usage chunk and a stop finish", async () => {
    h.upstream.enqueue({
      sse: anthropicSse(
        { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } },
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } },
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " world" } },
        { type: "content_block_stop", index: 0 },
        { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } },
        { type: "message_stop" },
      ),
    });
    const stream = openai.chat.completions.stream({ model: "claude-x", messages: [{ role: "user", content: "hi" }] });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => void chunks.push(c));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("Hello world");
    expect(final.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
  });
  test("streaming: a tool call with no arguments gets \"{}\", not \"\"", async () => {
    h.upstream.enqueue({
      sse: anthropicSse(
        { type: "message_start", message: { id: "msg_2", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } },
        { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_01NoArgs", name: "get_time", input: {} } },
        { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "" } },
        { type: "content_block_stop", index: 0 },
        { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 4 } },
        { type: "message_stop" },
      ),
    });
    const final = await openai.chat.completions
      .stream({ model: "claude-x", messages: [{ role: "user", content: "time?" }], tools: [{ type: "function", function: { name: "get_time" } }] })
      .finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe("toolu_01NoArgs");
    expect(JSON.parse(call.function.arguments)).toEqual({});
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("an upstream error before the stream started is an HTTP error for the stream helper", async () => {
    h.upstream.enqueue({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    let err: any;
    try {
      await openai.chat.completions.stream({ model: "claude-x", messages: [{ role: "user", content: "hi" }] }).finalChatCompletion();
    } catch (e) {
      err = e;
    }
    expect([503, 529]).toContain(err?.status);
    expect(err.error?.message).toBe("Overloaded");
  });
});
