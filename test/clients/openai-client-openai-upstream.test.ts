/**
 * The official `openai` client through the gateway to an OpenAI-compatible upstream: the same dialect on both
 * sides, so the bytes are piped — the request body reaches the upstream byte for byte (only
 * the credentials change) and the answer comes back untouched. Every scenario checks the upstream's bytes
 * against the bytes the SDK put on the wire, and what the SDK made of the reply.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import { sseEvents } from "../fakes/recording-upstream.ts";
import { chunk, fixtureJson, fixtureText, type Harness, openaiCompletion, openaiSse, PNG_1PX, startHarness, UPSTREAM_KEY } from "./harness.ts";

let h: Harness;
let openai: OpenAI;
beforeAll(() => {
  h = startHarness("openai-compatible");
  openai = h.openai;
});
afterAll(() => h.stop());
beforeEach(() => {
  h.setRewrite(undefined);
  h.upstream.clearQueue();
});

/** The upstream got exactly the bytes the SDK sent, with the upstream key instead of the gateway key. */
function expectForwardedUntouched() {
  const sent = h.upstream.last();
  expect(sent.path).toBe("/v1/chat/completions");
  expect(sent.text).toBe(h.clientSent[h.clientSent.length - 1]!);
  expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  expect(JSON.stringify(sent.headers)).not.toContain(h.gatewayKey);
  return sent.body;
}

const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

describe("OpenAI client -> OpenAI upstream (passthrough)", () => {
  test("plain text: body forwarded untouched, response bytes returned as-is, headers passed back", async () => {
    const reply = openaiCompletion({
      message: { content: "Hi there!" },
      usage: { prompt_tokens: 1200, completion_tokens: 7, total_tokens: 1207, prompt_tokens_details: { cached_tokens: 1000 } },
    });
    h.upstream.enqueue({ json: reply, headers: { "x-request-id": "req_up_1", "x-ratelimit-remaining-tokens": "149000", "openai-processing-ms": "42" } });
    const { data: res, response } = await openai.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] })
      .withResponse();
    expectForwardedUntouched();
    expect(res).toEqual(reply as any);
    expect(res.usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 7, total_tokens: 1207 });
    expect(response.headers.get("x-ratelimit-remaining-tokens")).toBe("149000");
    expect(response.headers.get("openai-processing-ms")).toBe("42");
    // The gateway's own request id keeps x-request-id; the upstream's travels beside it.
    expect(response.headers.get("x-upstream-request-id")).toBe("req_up_1");
  });

  test("system prompt and multi-turn: forwarded untouched", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "Bleu." } }) });
    const res = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: "Answer in French." },
        { role: "user", content: "Name a colour." },
        { role: "assistant", content: "Rouge." },
        { role: "user", content: "Another one." },
      ],
    });
    const body = expectForwardedUntouched();
    expect(body.messages.map((m: any) => m.role)).toEqual(["system", "developer", "user", "assistant", "user"]);
    expect(res.choices[0]!.message.content).toBe("Bleu.");
  });

  test("tool round trip: tool_calls come back with ids and JSON-string arguments; the tool message goes up untouched", async () => {
    h.upstream.enqueue({ json: fixtureJson("openai-chat/response-tool-calls.json") });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Shanghai?" }];
    const first = await openai.chat.completions.create({ model: "gpt-4o", messages, tools: [weatherTool], tool_choice: "required" });
    expectForwardedUntouched();
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe("call_qOfTGgDr");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Shanghai" });
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(first.usage).toMatchObject({ prompt_tokens: 91, completion_tokens: 14, total_tokens: 105 });

    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "25C." } }) });
    messages.push(first.choices[0]!.message as OpenAI.ChatCompletionMessageParam, { role: "tool", tool_call_id: call.id, content: "25C" });
    const second = await openai.chat.completions.create({ model: "gpt-4o", messages, tools: [weatherTool] });
    const body = expectForwardedUntouched();
    expect(body.messages[2]).toEqual({ role: "tool", tool_call_id: "call_qOfTGgDr", content: "25C" });
    expect(second.choices[0]!.message.content).toBe("25C.");
  });

  test("parallel tool calls (tool-call deltas by index) through the stream helper, with usage", async () => {
    h.upstream.enqueue({ sse: fixtureText("openai-tool-calls.sse") });
    const final = await openai.chat.completions
      .stream({ model: "gpt-4o", messages: [{ role: "user", content: "Paris weather and CET time?" }], tools: [weatherTool], parallel_tool_calls: true, stream_options: { include_usage: true } })
      .finalChatCompletion();
    const body = expectForwardedUntouched();
    expect(body.stream).toBe(true);
    const calls = final.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", { location: "Paris" }],
      ["call_2", "get_time", { tz: "CET" }],
    ]);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ prompt_tokens: 91, completion_tokens: 28, total_tokens: 119 });
  });

  test("image parts are forwarded untouched", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "A pixel." } }) });
    const res = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_1PX}`, detail: "low" } },
          ],
        },
      ],
    });
    expectForwardedUntouched();
    expect(res.choices[0]!.message.content).toBe("A pixel.");
  });

  test("stop sequence and max-tokens cut-off: fields forwarded, finish_reason length returned", async () => {
    h.upstream.enqueue({ json: openaiCompletion({ message: { content: "1, 2" }, finish_reason: "length", usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 } }) });
    const res = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Count" }], stop: ["4"], max_completion_tokens: 2 });
    const body = expectForwardedUntouched();
    expect(body.stop).toEqual(["4"]);
    expect(body.max_completion_tokens).toBe(2);
    expect(res.choices[0]!.finish_reason).toBe("length");
    expect(res.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 });
  });

  test("thinking: reasoning_effort forwarded; a compat server's reasoning_content reaches the SDK", async () => {
    h.upstream.enqueue({
      json: openaiCompletion({
        model: "deepseek-reasoner",
        message: { content: "42", reasoning_content: "Six times seven." },
        usage: { prompt_tokens: 15, completion_tokens: 120, total_tokens: 135, completion_tokens_details: { reasoning_tokens: 100 } },
      }),
    });
    const res = await openai.chat.completions.create({ model: "deepseek-reasoner", messages: [{ role: "user", content: "6*7?" }], reasoning_effort: "high" });
    expect(expectForwardedUntouched().reasoning_effort).toBe("high");
    expect((res.choices[0]!.message as any).reasoning_content).toBe("Six times seven.");
    expect(res.usage!.completion_tokens_details?.reasoning_tokens).toBe(100);
  });

  test("thinking, streamed: reasoning_content deltas pass through", async () => {
    h.upstream.enqueue({ sse: fixtureText("openai-reasoning.sse") });
    const stream = openai.chat.completions.stream({ model: "deepseek-reasoner", messages: [{ role: "user", content: "?" }], stream_options: { include_usage: true } });
    let reasoning = "";
    stream.on("chunk", (c) => {
      for (const ch of c.choices) reasoning += (ch.delta as any).reasoning_content ?? "";
    });
    const final = await stream.finalChatCompletion();
    expectForwardedUntouched();
    expect(reasoning).toBe("The user wants a short answer.");
    expect(final.choices[0]!.message.content).toBe("Forty-two.");
    expect(final.usage).toMatchObject({ prompt_tokens: 1120, completion_tokens: 30, total_tokens: 1150 });
  });

  test("streaming: the recorded text stream through finalChatCompletion(), stream bytes identical to the upstream's", async () => {
    const sse = fixtureText("openai-chat/text-stream.sse");
    h.upstream.enqueue({ sse });
    const final = await openai.chat.completions
      .stream({ model: "gpt-4o", messages: [{ role: "user", content: "Golden Gate?" }], stream_options: { include_usage: true } })
      .finalChatCompletion();
    expectForwardedUntouched();
    expect(final.choices[0]!.message.content).toBe("San Francisco");
    expect(final.choices[0]!.finish_reason).toBe("stop");
    expect(final.usage).toEqual({ prompt_tokens: 17, completion_tokens: 10, total_tokens: 27 });

    // Byte-level: the raw stream the client receives is the upstream's.
    h.upstream.enqueue({ sse });
    const raw = await openai.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "Golden Gate?" }], stream: true, stream_options: { include_usage: true } })
      .asResponse();
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    expect(await raw.text()).toBe(sseEvents(sse).join(""));
  });

  test("streaming without include_usage: the gateway asks for usage, the SDK gets the stream without the usage chunk", async () => {
    const sse = fixtureText("openai-chat/text-stream.sse");
    const events = sseEvents(sse);
    const withoutUsage = events.filter((e) => !e.includes('"choices":[]')).join("");
    expect(withoutUsage.length).toBeLessThan(events.join("").length);

    // The upstream answers as OpenAI does when asked: with the usage chunk before [DONE].
    h.upstream.enqueue({ sse });
    const stream = openai.chat.completions.stream({ model: "gpt-4o", messages: [{ role: "user", content: "Golden Gate?" }] });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => void chunks.push(c));
    const final = await stream.finalChatCompletion();
    const clientBody = h.clientSent[h.clientSent.length - 1]!;
    expect(JSON.parse(clientBody).stream_options).toBeUndefined();
    // The client's bytes with the one field spliced in after the opening brace.
    expect(h.upstream.last().text).toBe(`{"stream_options":{"include_usage":true},${clientBody.slice(1)}`);
    expect(final.choices[0]!.message.content).toBe("San Francisco");
    expect(final.usage).toBeUndefined();
    expect(chunks.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);

    h.upstream.enqueue({ sse });
    const raw = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Golden Gate?" }], stream: true }).asResponse();
    expect(await raw.text()).toBe(withoutUsage);
  });

  test("model route: upstream sees the routed model, the client gets its own name back (JSON and stream)", async () => {
    h.setRewrite((m) => (m === "fast" ? "gpt-4o-mini-2024-07-18" : m));
    h.upstream.enqueue({ json: openaiCompletion({ model: "gpt-4o-mini-2024-07-18", message: { content: "ok" } }) });
    const res = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], temperature: 0.3 });
    const sent = h.upstream.last();
    // Untouched but for the model name.
    expect(sent.body).toEqual({ ...JSON.parse(h.clientSent[h.clientSent.length - 1]!), model: "gpt-4o-mini-2024-07-18" });
    expect(res.model).toBe("fast");

    const m = "gpt-4o-mini-2024-07-18";
    h.upstream.enqueue({
      sse: openaiSse([
        { ...chunk({ role: "assistant", content: "" }), model: m },
        { ...chunk({ content: "ok" }), model: m },
        { ...chunk({}, "stop"), model: m },
        { ...chunk({}, null, { choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }), model: m },
      ]),
    });
    const stream = openai.chat.completions.stream({ model: "fast", messages: [{ role: "user", content: "hi" }], stream_options: { include_usage: true } });
    const models = new Set<string>();
    stream.on("chunk", (c) => void models.add(c.model));
    const final = await stream.finalChatCompletion();
    expect(h.upstream.last().body.model).toBe(m);
    expect([...models]).toEqual(["fast"]);
    expect(final.model).toBe("fast");
    expect(final.choices[0]!.message.content).toBe("ok");
    expect(final.usage).toMatchObject({ total_tokens: 4 });
  });
});
