/**
 * The official `@anthropic-ai/sdk` client talking to the gateway, which converts to an OpenAI Chat upstream
 * (requests, responses, streams, stop reasons and usage as src/dialects/README.md describes).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import {
  chunk,
  fixtureJson,
  fixtureText,
  type Harness,
  openaiCompletion,
  openaiSse,
  PNG_1PX,
  startHarness,
  UPSTREAM_KEY,
} from "./harness.ts";

let h: Harness;
let anthropic: Anthropic;
beforeAll(() => {
  h = startHarness("openai");
  anthropic = h.anthropic;
});
afterAll(() => h.stop());
beforeEach(() => h.upstream.clearQueue());

const weatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "Get weather for a city",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

/** max_tokens -> max_tokens or max_completion_tokens, whichever the upstream gets. */
const tokenLimit = (body: any) => body.max_tokens ?? body.max_completion_tokens;

describe("Anthropic client -> OpenAI upstream", () => {
  test("plain text: Bearer auth and chat body upstream, Message back with converted usage", async () => {
    h.upstream.enqueue({
      json: openaiCompletion({
        message: { content: "Hi there!" },
        usage: { prompt_tokens: 1200, completion_tokens: 7, total_tokens: 1207, prompt_tokens_details: { cached_tokens: 1000 } },
      }),
      headers: { "x-request-id": "req_openai_123", "x-ratelimit-remaining-requests": "4999" },
    });
    const { data: msg, response } = await anthropic.messages
      .create({ model: "gpt-4o", max_tokens: 100, messages: [{ role: "user", content: "Hello" }] })
      .withResponse();

    const sent = h.upstream.last();
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(sent.headers)).not.toContain(h.gatewayKey);
    // Anthropic headers are not forwarded to a non-Anthropic upstream.
    expect(sent.headers["x-api-key"]).toBeUndefined();
    expect(Object.keys(sent.headers).filter((k) => k.startsWith("anthropic-"))).toEqual([]);
    expect(sent.body.model).toBe("gpt-4o");
    expect(tokenLimit(sent.body)).toBe(100);
    expect(sent.body.messages).toEqual([{ role: "user", content: "Hello" }]);
    // Pitfall 7: stream_options only with stream:true.
    expect(sent.body).not.toHaveProperty("stream_options");
    expect(sent.body.stream).not.toBe(true);

    expect(msg.type).toBe("message");
    expect(msg.role).toBe("assistant");
    expect(msg.model).toBe("gpt-4o");
    // "msg_" + random, or the upstream id.
    expect(typeof msg.id).toBe("string");
    expect(msg.id.length).toBeGreaterThan(0);
    expect(msg.content).toEqual([{ type: "text", text: "Hi there!" } as any]);
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.stop_sequence).toBeNull();
    // input_tokens = prompt - cached; cache_read = cached.
    expect(msg.usage.input_tokens).toBe(200);
    expect(msg.usage.cache_read_input_tokens).toBe(1000);
    expect(msg.usage.output_tokens).toBe(7);
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("4999");
  });

  test("system prompt: string and block forms -> one leading system message", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "ok" } }) }, { json: openaiCompletion({ message: { content: "ok" } }) });
    await anthropic.messages.create({ model: "gpt-4o", max_tokens: 50, system: "You are terse.", messages: [{ role: "user", content: "Hi" }] });
    expect(h.upstream.last().body.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
    ]);
    const res = await anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 50,
      system: [
        { type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Answer in French." },
      ],
      messages: [{ role: "user", content: "Hi" }],
    });
    const msgs = h.upstream.last().body.messages;
    expect(msgs).toHaveLength(2);
    expect(msgs[0].role).toBe("system");
    const sys = typeof msgs[0].content === "string" ? msgs[0].content : msgs[0].content.map((p: any) => p.text).join("\n\n");
    expect(sys).toContain("You are terse.");
    expect(sys).toContain("Answer in French.");
    // cache_control stripped for OpenAI.
    expect(h.upstream.last().text).not.toContain("cache_control");
    expect(res.content).toEqual([{ type: "text", text: "ok" } as any]);
  });

  test("multi-turn: user/assistant history keeps its order and text", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "Blue." } }) });
    const res = await anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 50,
      messages: [
        { role: "user", content: "Name a colour." },
        { role: "assistant", content: [{ type: "text", text: "Red." }] },
        { role: "user", content: [{ type: "text", text: "Another one." }] },
      ],
    });
    const msgs = h.upstream.last().body.messages;
    expect(msgs.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    const text = (c: any) => (typeof c === "string" ? c : c.map((p: any) => p.text).join(""));
    expect(msgs.map((m: any) => text(m.content))).toEqual(["Name a colour.", "Red.", "Another one."]);
    expect((res.content[0] as Anthropic.TextBlock).text).toBe("Blue.");
  });

  test("tool round trip: tools/tool_choice mapped, tool_calls -> tool_use with parsed input, tool_result -> tool message", async () => {
    // Turn 1: a chat.completion with a tool call.
    h.upstream.enqueue({ json: fixtureJson("openai-chat/response-tool-calls.json") });
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Shanghai?" }];
    const first = await anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 200,
      messages,
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_weather" },
    });
    const sent1 = h.upstream.last().body;
    expect(sent1.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Get weather for a city",
          parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
        },
      },
    ]);
    expect(sent1.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });

    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([{ type: "tool_use", id: "call_qOfTGgDr", name: "get_weather", input: { location: "Shanghai" } } as any]);
    expect(first.usage.input_tokens).toBe(91);
    expect(first.usage.output_tokens).toBe(14);

    // Turn 2: the result goes back, followed by user text in the same Anthropic message.
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "It is 25C in Shanghai." } }) });
    messages.push({ role: "assistant", content: first.content });
    messages.push({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_qOfTGgDr", content: "25C" },
        { type: "text", text: "Is that warm?" },
      ],
    });
    const second = await anthropic.messages.create({ model: "gpt-4o", max_tokens: 200, messages, tools: [weatherTool] });
    const msgs = h.upstream.last().body.messages;
    expect(msgs.map((m: any) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    // Only tool_use -> content null; arguments is a JSON string.
    expect(msgs[1].content).toBeNull();
    expect(msgs[1].tool_calls).toHaveLength(1);
    expect(msgs[1].tool_calls[0]).toMatchObject({ id: "call_qOfTGgDr", type: "function", function: { name: "get_weather" } });
    expect(typeof msgs[1].tool_calls[0].function.arguments).toBe("string");
    expect(JSON.parse(msgs[1].tool_calls[0].function.arguments)).toEqual({ location: "Shanghai" });
    // Pitfall 19: the tool message directly after the assistant's tool_calls, user text after it.
    expect(msgs[2]).toEqual({ role: "tool", tool_call_id: "call_qOfTGgDr", content: "25C" });
    const userText = typeof msgs[3].content === "string" ? msgs[3].content : msgs[3].content.map((p: any) => p.text).join("");
    expect(userText).toBe("Is that warm?");
    expect(second.content).toEqual([{ type: "text", text: "It is 25C in Shanghai." } as any]);
    expect(second.stop_reason).toBe("end_turn");
  });

  test("tool_result is_error:true -> tool message text marked as an error", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "Sorry." } }) });
    await anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 50,
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A", name: "get_weather", input: { location: "Oz" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "no such city", is_error: true }] },
      ],
      tools: [weatherTool],
    });
    const tool = h.upstream.last().body.messages.find((m: any) => m.role === "tool");
    expect(tool.tool_call_id).toBe("toolu_01A");
    expect(tool.content).toMatch(/^Error: no such city$/);
  });

  test("tool_choice any -> required, disable_parallel_tool_use -> parallel_tool_calls:false", async () => {
    h.upstream.enqueue({ json: fixtureJson("openai-chat/response-tool-calls.json") });
    await anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 50,
      messages: [{ role: "user", content: "Weather?" }],
      tools: [weatherTool],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    const sent = h.upstream.last().body;
    expect(sent.tool_choice).toBe("required");
    expect(sent.parallel_tool_calls).toBe(false);
  });

  test("parallel tool calls, streamed (tool-call deltas by index): two tool_use blocks via messages.stream().finalMessage()", async () => {
    h.upstream.enqueue({ sse: fixtureText("openai-tool-calls.sse") });
    const stream = anthropic.messages.stream({
      model: "gpt-4o",
      max_tokens: 300,
      messages: [{ role: "user", content: "Weather in Paris and the time in CET?" }],
      tools: [weatherTool, { name: "get_time", input_schema: { type: "object", properties: { tz: { type: "string" } } } }],
    });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => void events.push(e));
    const final = await stream.finalMessage();

    const sent = h.upstream.last().body;
    expect(sent.stream).toBe(true);
    // Usage is always requested upstream when streaming (else the Anthropic client would see zero tokens).
    expect(sent.stream_options).toMatchObject({ include_usage: true });

    // Two tool_use blocks at indices 0 and 1, usage in message_delta.
    expect(final.content).toEqual([
      { type: "tool_use", id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "call_2", name: "get_time", input: { tz: "CET" } },
    ] as any);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage.input_tokens).toBe(91);
    expect(final.usage.output_tokens).toBe(28);
    expect(final.model).toBe("gpt-4o");
    // Invariants: message_start first, message_stop last, contiguous indexes, one stop per block.
    expect(events[0]!.type).toBe("message_start");
    expect(events[events.length - 1]!.type).toBe("message_stop");
    const starts = events.filter((e) => e.type === "content_block_start").map((e) => (e as any).index);
    const stops = events.filter((e) => e.type === "content_block_stop").map((e) => (e as any).index);
    expect(starts).toEqual([0, 1]);
    expect(stops).toEqual([0, 1]);
    expect(events.filter((e) => e.type === "message_delta")).toHaveLength(1);
  });

  test("image: base64 -> data URL image_url, url source -> image_url.url", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "Two pixels." } }) });
    const res = await anthropic.messages.create({
      model: "gpt-4o",
      max_tokens: 50,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG_1PX } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
          ],
        },
      ],
    });
    const content = h.upstream.last().body.messages[0].content;
    expect(content).toHaveLength(3);
    expect(content[0]).toEqual({ type: "text", text: "What is in these?" });
    expect(content[1]).toMatchObject({ type: "image_url", image_url: { url: `data:image/png;base64,${PNG_1PX}` } });
    expect(content[2]).toMatchObject({ type: "image_url", image_url: { url: "https://example.com/cat.png" } });
    expect((res.content[0] as Anthropic.TextBlock).text).toBe("Two pixels.");
  });

  test("stop sequence: stop_sequences -> stop; finish stop -> end_turn (or stop_sequence)", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "1, 2, 3" }, finish_reason: "stop" }) });
    const res = await anthropic.messages.create({ model: "gpt-4o", max_tokens: 50, stop_sequences: ["4", "END"], messages: [{ role: "user", content: "Count" }] });
    expect(h.upstream.last().body.stop).toEqual(["4", "END"]);
    expect(h.upstream.last().body).not.toHaveProperty("stop_sequences");
    expect(["end_turn", "stop_sequence"]).toContain(res.stop_reason!);
    if (res.stop_reason === "stop_sequence") expect(["4", "END"]).toContain(res.stop_sequence!);
    expect((res.content[0] as Anthropic.TextBlock).text).toBe("1, 2, 3");
  });

  test("max-tokens cut-off: finish length -> stop_reason max_tokens", async () => {
    h.upstream.enqueue({
      json: openaiCompletion({ message: { content: "Once upon" }, finish_reason: "length", usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } }),
    });
    const res = await anthropic.messages.create({ model: "gpt-4o", max_tokens: 3, messages: [{ role: "user", content: "Tell a story" }] });
    expect(tokenLimit(h.upstream.last().body)).toBe(3);
    expect(res.stop_reason).toBe("max_tokens");
    expect(res.usage).toMatchObject({ input_tokens: 9, output_tokens: 3 });
  });

  test("thinking: budget -> reasoning_effort; reasoning_content -> thinking text; history sent back without it", async () => {
    h.upstream.enqueue({
      json: openaiCompletion({
        message: { content: "42", reasoning_content: "Six times seven." },
        usage: { prompt_tokens: 15, completion_tokens: 120, total_tokens: 135, completion_tokens_details: { reasoning_tokens: 100 } },
      }),
    });
    const res = await anthropic.messages.create({
      model: "o3",
      max_tokens: 4096,
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [{ role: "user", content: "6*7?" }],
    });
    const sent = h.upstream.last().body;
    // Budget thresholds: < 2048 low, < 8192 medium, else high.
    expect(sent.reasoning_effort).toBe("medium");
    expect(sent).not.toHaveProperty("thinking");
    const text = res.content.filter((b) => b.type === "text").map((b) => (b as Anthropic.TextBlock).text);
    expect(text).toEqual(["42"]);
    // reasoning_content becomes a thinking block (first) or is dropped; never text mixed into the answer.
    const thinking = res.content.filter((b) => b.type === "thinking") as Anthropic.ThinkingBlock[];
    if (thinking.length) {
      expect(res.content[0]!.type).toBe("thinking");
      expect(thinking.map((t) => t.thinking).join("")).toBe("Six times seven.");
    }
    expect(res.usage.output_tokens).toBe(120);

    // Replaying the assistant turn (as Claude Code does) must not send the unsigned thinking anywhere it breaks.
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "Yes." } }) });
    await anthropic.messages.create({
      model: "o3",
      max_tokens: 4096,
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [
        { role: "user", content: "6*7?" },
        { role: "assistant", content: res.content as Anthropic.ContentBlockParam[] },
        { role: "user", content: "Sure?" },
      ],
    });
    const replay = h.upstream.last().body.messages;
    expect(replay.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(replay[1].content).toBe("42");
  });

  test("thinking, streamed: reasoning_content deltas -> a thinking block before the text block", async () => {
    h.upstream.enqueue({ sse: fixtureText("openai-reasoning.sse") });
    const final = await anthropic.messages
      .stream({ model: "deepseek-reasoner", max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "The answer?" }] })
      .finalMessage();
    expect(h.upstream.last().body.reasoning_effort).toBe("low");
    expect(final.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect((final.content[0] as Anthropic.ThinkingBlock).thinking).toBe("The user wants a short answer.");
    expect((final.content[1] as Anthropic.TextBlock).text).toBe("Forty-two.");
    expect(final.stop_reason).toBe("end_turn");
    // 1120 prompt tokens, 1000 cached.
    expect(final.usage.input_tokens).toBe(120);
    expect(final.usage.cache_read_input_tokens).toBe(1000);
    expect(final.usage.output_tokens).toBe(30);
  });

  test("streaming: the recorded text stream through messages.stream().finalMessage(), usage from the trailing usage chunk", async () => {
    h.upstream.enqueue({ sse: fixtureText("openai-chat/text-stream.sse") });
    const stream = anthropic.messages.stream({ model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Where is the Golden Gate?" }] });
    let text = "";
    stream.on("text", (t) => void (text += t));
    const final = await stream.finalMessage();
    const sent = h.upstream.last().body;
    expect(sent.stream).toBe(true);
    expect(sent.stream_options).toMatchObject({ include_usage: true });
    expect(text).toBe("San Francisco");
    expect(final.content).toEqual([{ type: "text", text: "San Francisco" } as any]);
    expect(final.stop_reason).toBe("end_turn");
    // Pitfall 12: usage arrives after the finish chunk; message_delta must wait for it.
    expect(final.usage.input_tokens).toBe(17);
    expect(final.usage.output_tokens).toBe(10);
  });

  test("streaming: a server that says finish_reason stop with tool calls still yields stop_reason tool_use", async () => {
    h.upstream.enqueue({
      sse: openaiSse([
        chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"location":"Rome"}' } }] }),
        chunk({}, "stop"),
        chunk({}, null, { choices: [], usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } }),
      ]),
    });
    const final = await anthropic.messages.stream({ model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Rome?" }], tools: [weatherTool] }).finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content).toEqual([{ type: "tool_use", id: "call_x", name: "get_weather", input: { location: "Rome" } } as any]);
  });

  test("streaming: several tool calls in one delta and interleaved argument fragments", async () => {
    h.upstream.enqueue({
      sse: openaiSse([
        chunk({
          role: "assistant",
          content: null,
          tool_calls: [
            { index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } },
            { index: 1, id: "call_b", type: "function", function: { name: "get_weather", arguments: "" } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }, { index: 1, function: { arguments: '{"location":' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '"Rome"}' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({}, "tool_calls"),
        chunk({}, null, { choices: [], usage: { prompt_tokens: 30, completion_tokens: 20, total_tokens: 50 } }),
      ]),
    });
    const final = await anthropic.messages.stream({ model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Paris and Rome?" }], tools: [weatherTool] }).finalMessage();
    expect(final.content).toEqual([
      { type: "tool_use", id: "call_a", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "call_b", name: "get_weather", input: { location: "Rome" } },
    ] as any);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 20 });
  });
});
