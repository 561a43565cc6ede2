/**
 * The official `@anthropic-ai/sdk` client through the gateway to an Anthropic upstream: the same dialect on
 * both sides, so the passthrough rule applies — body byte for byte (credentials swapped), the client's
 * anthropic-version / anthropic-beta forwarded, response and stream bytes piped back with request-id and
 * rate-limit headers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import { sseEvents } from "../fakes/recording-upstream.ts";
import { anthropicMessage, anthropicSse, fixtureJson, fixtureText, type Harness, PNG_1PX, startHarness, UPSTREAM_KEY } from "./harness.ts";

let h: Harness;
let anthropic: Anthropic;
beforeAll(() => {
  h = startHarness("anthropic");
  anthropic = h.anthropic;
});
afterAll(() => h.stop());
beforeEach(() => {
  h.setRewrite(undefined);
  h.upstream.clearQueue();
});

function expectForwardedUntouched() {
  const sent = h.upstream.last();
  expect(sent.path).toBe("/v1/messages");
  expect(sent.text).toBe(h.clientSent[h.clientSent.length - 1]!);
  expect(sent.headers["x-api-key"]).toBe(UPSTREAM_KEY);
  // Whatever version the SDK speaks is what the upstream hears.
  expect(sent.headers["anthropic-version"]).toBe(h.clientHeaders[h.clientHeaders.length - 1]!["anthropic-version"]!);
  expect(JSON.stringify(sent.headers)).not.toContain(h.gatewayKey);
  return sent.body;
}

const weatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "Get weather for a city",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

describe("Anthropic client -> Anthropic upstream (passthrough)", () => {
  test("plain text: body untouched, response as-is, request-id and rate-limit headers returned", async () => {
    const reply = anthropicMessage({
      content: [{ type: "text", text: "Hi there!" }],
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 3, cache_read_input_tokens: 200 },
    });
    h.upstream.enqueue({
      json: reply,
      headers: {
        "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy",
        "anthropic-ratelimit-requests-limit": "4000",
        "anthropic-ratelimit-requests-remaining": "3999",
        "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:00Z",
      },
    });
    const { data: msg, response } = await anthropic.messages
      .create({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Hello" }] })
      .withResponse();
    expectForwardedUntouched();
    const { _request_id, ...data } = msg as Anthropic.Message & { _request_id?: string | null };
    expect(data).toEqual(reply as any);
    expect(msg.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 3, cache_read_input_tokens: 200 });
    expect(response.headers.get("request-id")).toBe("req_011CSHoEeqs5C35K2UUqR7Fy");
    expect(_request_id).toBe("req_011CSHoEeqs5C35K2UUqR7Fy");
    expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("4000");
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("3999");
    expect(response.headers.get("anthropic-ratelimit-tokens-reset")).toBe("2026-01-01T00:00:00Z");
  });

  test("the client's anthropic-version and anthropic-beta are forwarded (betas merged, not replaced)", async () => {
    h.upstream.enqueue({ json: anthropicMessage({}) });
    await anthropic.beta.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hello" }],
      betas: ["interleaved-thinking-2025-05-14", "fine-grained-tool-streaming-2025-05-14"],
    });
    const sent = h.upstream.last();
    expect(sent.text).toBe(h.clientSent[h.clientSent.length - 1]!);
    expect(sent.headers["anthropic-version"]).toBe(h.clientHeaders[h.clientHeaders.length - 1]!["anthropic-version"]!);
    expect(sent.headers["anthropic-beta"]!.split(",").map((s) => s.trim())).toEqual([
      "interleaved-thinking-2025-05-14",
      "fine-grained-tool-streaming-2025-05-14",
    ]);

    h.upstream.enqueue({ json: anthropicMessage({}) });
    await anthropic.messages.create(
      { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Hello" }] },
      { headers: { "anthropic-version": "2024-10-22" } },
    );
    expect(h.upstream.last().headers["anthropic-version"]).toBe("2024-10-22");
  });

  test("system prompt (with cache_control) and multi-turn: forwarded untouched", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "Bleu." }] }) });
    const res = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: "Name a colour." },
        { role: "assistant", content: "Rouge." },
        { role: "user", content: "Another one." },
      ],
    });
    const body = expectForwardedUntouched();
    expect(body.system[0].cache_control).toEqual({ type: "ephemeral" });
    expect((res.content[0] as Anthropic.TextBlock).text).toBe("Bleu.");
  });

  test("tool round trip with thinking: thinking + text + tool_use reply, then thinking + tool_use echoed back unmodified", async () => {
    h.upstream.enqueue({ json: fixtureJson("anthropic-messages/response-tool-use.json") });
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const params = { model: "claude-sonnet-4-5", max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 2048 }, tools: [weatherTool] };
    const first = await anthropic.messages.create({ ...params, messages });
    expectForwardedUntouched();
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    const use = first.content[2] as Anthropic.ToolUseBlock;
    expect(use).toEqual({ type: "tool_use", id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", input: { location: "Paris" } } as any);
    expect((first.content[0] as Anthropic.ThinkingBlock).signature).toBe("EqQB...");

    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "18C." }] }) });
    messages.push({ role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "18C" }] });
    const second = await anthropic.messages.create({ ...params, messages });
    const body = expectForwardedUntouched();
    expect(body.messages[1].content[0]).toEqual({ type: "thinking", thinking: "...", signature: "EqQB..." });
    expect((second.content[0] as Anthropic.TextBlock).text).toBe("18C.");
  });

  test("parallel tool calls, streamed: two tool_use blocks via messages.stream().finalMessage()", async () => {
    h.upstream.enqueue({ sse: fixtureText("anthropic-parallel-tools.sse") });
    const final = await anthropic.messages
      .stream({ model: "claude-sonnet-4-5", max_tokens: 500, messages: [{ role: "user", content: "Paris and Rome?" }], tools: [weatherTool] })
      .finalMessage();
    expect(expectForwardedUntouched().stream).toBe(true);
    expect(final.content.map((b) => b.type)).toEqual(["text", "tool_use", "tool_use"]);
    expect(final.content.slice(1).map((b) => (b as Anthropic.ToolUseBlock).input)).toEqual([{ city: "Paris" }, { city: "Rome" }]);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 50, output_tokens: 40 });
  });

  test("image blocks forwarded untouched", async () => {
    h.upstream.enqueue({ json: anthropicMessage({ content: [{ type: "text", text: "A pixel." }] }) });
    await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG_1PX } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
            { type: "text", text: "What are these?" },
          ],
        },
      ],
    });
    expectForwardedUntouched();
  });

  test("stop sequence and max-tokens cut-off come back as sent by the upstream", async () => {
    h.upstream.enqueue(
      { json: anthropicMessage({ content: [{ type: "text", text: "1, 2, 3" }], stop_reason: "stop_sequence", stop_sequence: "4" }) },
      { json: anthropicMessage({ content: [{ type: "text", text: "Once" }], stop_reason: "max_tokens" }) },
    );
    const a = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 100, stop_sequences: ["4"], messages: [{ role: "user", content: "Count" }] });
    expect(expectForwardedUntouched().stop_sequences).toEqual(["4"]);
    expect(a.stop_reason).toBe("stop_sequence");
    expect(a.stop_sequence).toBe("4");
    const b = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1, messages: [{ role: "user", content: "Story" }] });
    expect(expectForwardedUntouched().max_tokens).toBe(1);
    expect(b.stop_reason).toBe("max_tokens");
  });

  test("thinking, streamed: thinking text and signature reach finalMessage(); usage with cache fields", async () => {
    h.upstream.enqueue({ sse: fixtureText("anthropic-thinking.sse") });
    const stream = anthropic.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [{ role: "user", content: "The answer?" }],
    });
    let thinking = "";
    stream.on("thinking", (d) => void (thinking += d));
    const final = await stream.finalMessage();
    expect(expectForwardedUntouched().thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(thinking).toBe("The user wants a short answer.");
    expect(final.content[0]).toMatchObject({ type: "thinking", thinking: "The user wants a short answer.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pk..." });
    expect(final.content[1]).toMatchObject({ type: "text", text: "Forty-two." });
    expect(final.usage).toMatchObject({ input_tokens: 20, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 30 });
  });

  test("streaming: the recorded tool-use stream through finalMessage(), stream bytes identical to the upstream's", async () => {
    const sse = fixtureText("anthropic-messages/tool-use-stream.sse");
    h.upstream.enqueue({ sse, headers: { "request-id": "req_stream_1", "anthropic-ratelimit-tokens-remaining": "7000" } });
    const stream = anthropic.messages.stream({ model: "claude-opus-4-8", max_tokens: 500, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weatherTool] });
    const final = await stream.finalMessage();
    expectForwardedUntouched();
    expect(final.id).toBe("msg_019Q1hrJbZG26Fb9BQhrkHEr");
    expect(final.content).toEqual([
      { type: "text", text: "I'll check the current weather in Paris for you." },
      { type: "tool_use", id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", input: { location: "Paris" } },
    ] as any);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 377, output_tokens: 65 });

    h.upstream.enqueue({ sse, headers: { "request-id": "req_stream_2", "anthropic-ratelimit-tokens-remaining": "6000" } });
    const raw = await anthropic.messages
      .create({ model: "claude-opus-4-8", max_tokens: 500, messages: [{ role: "user", content: "Weather in Paris?" }], stream: true })
      .asResponse();
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    expect(raw.headers.get("request-id")).toBe("req_stream_2");
    expect(raw.headers.get("anthropic-ratelimit-tokens-remaining")).toBe("6000");
    expect(await raw.text()).toBe(sseEvents(sse).join(""));
  });

  test("model route: upstream sees the routed model, the client gets its own name back (JSON and stream)", async () => {
    h.setRewrite((m) => (m === "claude-latest" ? "claude-sonnet-4-5-20250929" : m));
    h.upstream.enqueue({ json: anthropicMessage({ model: "claude-sonnet-4-5-20250929" }) });
    const res = await anthropic.messages.create({ model: "claude-latest", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(h.upstream.last().body).toEqual({ ...JSON.parse(h.clientSent[h.clientSent.length - 1]!), model: "claude-sonnet-4-5-20250929" });
    expect(res.model).toBe("claude-latest");

    h.upstream.enqueue({
      sse: anthropicSse(
        { type: "message_start", message: { id: "msg_r", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } },
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "ok" } },
        { type: "content_block_stop", index: 0 },
        { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 1 } },
        { type: "message_stop" },
      ),
    });
    const final = await anthropic.messages.stream({ model: "claude-latest", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    expect(h.upstream.last().body.model).toBe("claude-sonnet-4-5-20250929");
    expect(final.model).toBe("claude-latest");
    expect(final.content).toEqual([{ type: "text", text: "ok" } as any]);
  });
});
