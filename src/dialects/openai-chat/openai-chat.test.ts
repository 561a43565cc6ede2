import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../errors.ts";
import { createDialects } from "../index.ts";
import { decodeSseText, encodeEvents } from "../shared/convert-sse-text.ts";
import { anthropicViolation, dataJson, openAIViolation, sseEvents } from "../shared/sse-assertions.test-support.ts";

const d = createDialects();
const A = d["anthropic-messages"];
const O = d["openai-chat"];
const fixture = (name: string) => Bun.file(`${import.meta.dir}/__fixtures__/${name}`);

const thrown = (f: () => unknown): GatewayError => {
  try {
    f();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error("expected an error");
};

describe("openai-chat requests", () => {
  test("decode reads every field; those with no canonical meaning go to extra, to be reported when dropped", async () => {
    const body = await fixture("request-everything.json").json();
    const req = O.decodeRequest(body);
    expect(req).toMatchObject({ temperature: 0, topP: 0.9, n: 1, stop: ["END"], seed: 7, sessionKey: "user-42", maxTokens: 500, reasoningEffort: "high", parallelToolCalls: false, logprobs: true, topLogprobs: 2 });
    expect(Object.keys(req.extra!).sort()).toEqual(["metadata", "prompt_cache_key", "safety_identifier", "service_tier", "store", "verbosity"]);
    expect(req.rawTools).toEqual([{ type: "custom", custom: { name: "grammar_tool" } }]);
    expect(req.messages.map((m) => m.role)).toEqual(["developer", "system", "user", "assistant", "tool", "assistant", "user"]);
    expect(req.messages[4]!.content).toEqual([{ type: "tool_result", toolCallId: "call_9Xk2", content: [{ type: "text", text: '{"temp_c":18}' }], contentString: true }]);
  });

  test("the worked example towards Anthropic, exactly (empty assistant text dropped, results merged before the user text, temperature clamped)", async () => {
    const req = O.decodeRequest(await fixture("request-worked-example.json").json());
    expect(req.includeUsage).toBe(true);
    expect(A.encodeRequest(req, { model: "claude-sonnet-4-5", defaultMaxTokens: 4096 })).toEqual({
      model: "claude-sonnet-4-5", max_tokens: 1024, stream: true, temperature: 1,
      system: [{ type: "text", text: "You are terse." }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
        { role: "assistant", content: [
          { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "get_weather", input: { city: "Rome" } }] },
        { role: "user", content: [
          { type: "tool_result", tool_use_id: "call_1", content: "18C" },
          { type: "tool_result", tool_use_id: "call_2", content: "24C" },
          { type: "text", text: "Which is warmer?" }] }],
      tools: [{ name: "get_weather", description: "", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
      tool_choice: { type: "auto" },
    });
  });

  test("rich request towards Anthropic: images both ways, documents, thinking, json_schema, stop, user, defaults", async () => {
    const body = await fixture("request-everything.json").json();
    // audio has no Anthropic form: a clear 400
    expect(thrown(() => A.encodeRequest(O.decodeRequest(body), { model: "c", defaultMaxTokens: 4096 })).status).toBe(400);
    body.messages[2].content.splice(3, 1); // audio
    body.messages[2].content.splice(4, 1); // file_id
    const adjusted: string[] = [];
    const out = A.encodeRequest(O.decodeRequest(body), { model: "c", defaultMaxTokens: 4096, onAdjust: (f) => adjusted.push(f) }) as any;
    expect(out.system).toEqual([{ type: "text", text: "Answer tersely." }, { type: "text", text: "You are helpful.", cache_control: { type: "ephemeral" } }]);
    expect(out.messages[0].content).toEqual([
      { type: "text", text: "What is in this image and this file?" },
      { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0" }, title: "a.pdf" },
    ]);
    // the signed thinking block echoed by the client comes back first
    expect(out.messages[1].content[0]).toEqual({ type: "thinking", thinking: "thinking...", signature: "sig1" });
    expect(out.messages[1].content[1]).toEqual({ type: "tool_use", id: "call_9Xk2", name: "get_weather", input: { city: "Paris" } });
    expect(out.messages[2].content[0]).toEqual({ type: "tool_result", tool_use_id: "call_9Xk2", content: '{"temp_c":18}' });
    expect(out.messages[3]).toEqual({ role: "assistant", content: [{ type: "text", text: "It is " }, { type: "text", text: "no" }] });
    expect(out).toMatchObject({
      max_tokens: 500, temperature: 0, top_p: 0.9, stop_sequences: ["END"], metadata: { user_id: "user-42" },
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      output_config: { format: { type: "json_schema", schema: body.response_format.json_schema.schema } },
    });
    // forced tool choice and thinking are incompatible for Anthropic: the tool choice wins
    expect(out).not.toHaveProperty("thinking");
    expect(adjusted).toEqual(expect.arrayContaining(["reasoning_effort", "seed", "store", "logprobs/logit_bias"]));
    expect(out.tools).toEqual([{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }]);
  });

  test("reasoning_effort -> thinking budget; temperature dropped; default max_tokens; json_object instruction", () => {
    const out = A.encodeRequest(O.decodeRequest({ model: "x", messages: [{ role: "user", content: "hi" }], reasoning_effort: "high", temperature: 0.2, response_format: { type: "json_object" } }), { model: "c", defaultMaxTokens: 8000 }) as any;
    expect(out).toMatchObject({ max_tokens: 8000, thinking: { type: "enabled", budget_tokens: 4096 } });
    expect(out).not.toHaveProperty("temperature");
    expect(out.system[0].text).toContain("JSON object");
    const small = A.encodeRequest(O.decodeRequest({ model: "x", messages: [{ role: "user", content: "hi" }], reasoning_effort: "high", max_tokens: 2000 }), { model: "c", defaultMaxTokens: 8000 }) as any;
    expect(small.thinking).toEqual({ type: "enabled", budget_tokens: 1999 });
    const none = A.encodeRequest(O.decodeRequest({ model: "x", messages: [{ role: "user", content: "hi" }], reasoning_effort: "minimal" }), { model: "c", defaultMaxTokens: 8000 });
    expect(none).not.toHaveProperty("thinking");
  });

  test("n > 1 towards Anthropic is a clear 400; bad input names the field", () => {
    const e = thrown(() => A.encodeRequest(O.decodeRequest({ model: "x", n: 2, messages: [{ role: "user", content: "hi" }] }), { model: "c", defaultMaxTokens: 10 }));
    expect([e.status, e.options.param]).toEqual([400, "n"]);
    expect(e.message).toContain("n > 1");
    expect(thrown(() => O.decodeRequest({ model: "x", messages: [{ role: "tool", content: "x" }] })).options.param).toBe("messages[0].tool_call_id");
    expect(thrown(() => O.decodeRequest({ model: "x", messages: [{ role: "user", content: [{ type: "text", text: 3 }] }] })).options.param).toBe("messages[0].content[0].text");
    expect(thrown(() => O.decodeRequest({ model: "x", messages: "hi" })).options.param).toBe("messages");
  });

  test("dangling tool calls get an error result; ids are sanitised; leading assistant gets a user turn; prefill trimmed", () => {
    const out = A.encodeRequest(O.decodeRequest({ model: "x", messages: [
      { role: "assistant", content: "Hello" },
      { role: "user", content: "go" },
      { role: "assistant", content: null, tool_calls: [{ id: "functions.get:0", type: "function", function: { name: "get", arguments: "not json" } }] },
      { role: "user", content: "never mind" },
      { role: "assistant", content: "Sure  " },
    ] }), { model: "c", defaultMaxTokens: 10 }) as any;
    expect(out.messages.map((m: any) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
    expect(out.messages[3].content[0]).toEqual({ type: "tool_use", id: "functions_get_0", name: "get", input: { _raw: "not json" } });
    expect(out.messages[4].content[0]).toEqual({ type: "tool_result", tool_use_id: "functions_get_0", content: "(no result)", is_error: true });
    expect(out.messages[5].content).toEqual([{ type: "text", text: "Sure" }]);
  });
});

describe("openai-chat responses", () => {
  test("towards an Anthropic client", async () => {
    const body = await fixture("response-tool-calls.json").json();
    const res = O.decodeResponse(body);
    expect(A.encodeResponse(res, { model: "gpt-4o" })).toEqual({
      id: `msg_${body.id}`, type: "message", role: "assistant", model: "gpt-4o",
      content: [{ type: "tool_use", id: "call_qOfTGgDr", name: "get_weather", input: { location: "Shanghai" } }],
      stop_reason: "tool_use", stop_sequence: null,
      usage: { input_tokens: 91, output_tokens: 14, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens_details: { thinking_tokens: 0 } },
    });
  });

  test("finish reasons both ways", () => {
    const map = (fr: string, tools = false) => (A.encodeResponse(O.decodeResponse({ id: "x", choices: [{ index: 0, message: { content: "a", ...(tools ? { tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] } : {}) }, finish_reason: fr }] }), { model: "m" }) as any).stop_reason;
    expect([map("stop"), map("length"), map("tool_calls"), map("content_filter"), map("stop", true)]).toEqual(["end_turn", "max_tokens", "tool_use", "refusal", "tool_use"]);
    const back = (sr: string) => (O.encodeResponse(A.decodeResponse({ id: "x", content: [], stop_reason: sr, usage: {} }), { model: "m" }) as any).choices[0].finish_reason;
    expect(["end_turn", "stop_sequence", "max_tokens", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"].map(back)).toEqual(["stop", "stop", "length", "tool_calls", "stop", "content_filter", "length"]);
  });
});

describe("openai-chat streams", () => {
  test("text stream -> Anthropic client", async () => {
    const text = encodeEvents(A.streamEncoder({ model: "gpt-4o" }), decodeSseText(O.streamDecoder(), await fixture("text-stream.sse").text()));
    expect(anthropicViolation(text)).toBeUndefined();
    const evs = sseEvents(text).map((e) => JSON.parse(e.data));
    expect(evs.map((e) => e.type)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(evs[5]).toEqual({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 17, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } });
  });

  test("tool-call stream (Azure filter chunk, comment, usage after finish) -> Anthropic client: two tool_use blocks, usage in message_delta", async () => {
    const text = encodeEvents(A.streamEncoder({ model: "gpt-4o" }), decodeSseText(O.streamDecoder(), await fixture("tool-calls-stream.sse").text()));
    expect(anthropicViolation(text)).toBeUndefined();
    const evs = sseEvents(text).map((e) => JSON.parse(e.data));
    expect(evs.slice(1)).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"lo' } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: 'cation":"Paris"}' } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_2", name: "get_time", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"tz":"CET"}' } },
      { type: "content_block_stop", index: 1 },
      { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 91, output_tokens: 28, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
      { type: "message_stop" },
    ]);
    expect(evs[0]).toMatchObject({ type: "message_start", message: { model: "gpt-4o", content: [], usage: { input_tokens: 0, output_tokens: 0 } } });
  });

  test("reasoning_content, text and a tool in one stream -> Anthropic client (contiguous blocks; stop with tools -> tool_use)", async () => {
    const text = encodeEvents(A.streamEncoder({ model: "m" }), decodeSseText(O.streamDecoder(), await fixture("reasoning-stream.sse").text()));
    expect(anthropicViolation(text)).toBeUndefined();
    const evs = sseEvents(text).map((e) => JSON.parse(e.data));
    expect(evs.filter((e) => e.type === "content_block_start").map((e) => [e.index, e.content_block.type])).toEqual([[0, "thinking"], [1, "text"], [2, "tool_use"]]);
    expect(evs.at(-2)).toEqual({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 40, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 60, output_tokens_details: { thinking_tokens: 12 } } });
  });

  test("OpenAI -> canonical -> OpenAI: role chunk first, one finish, usage chunk only with include_usage, [DONE] once", async () => {
    for (const name of ["text-stream.sse", "tool-calls-stream.sse", "reasoning-stream.sse"]) {
      const events = decodeSseText(O.streamDecoder(), await fixture(name).text());
      for (const includeUsage of [true, false]) {
        const text = encodeEvents(O.streamEncoder({ model: "m", includeUsage }), events);
        expect(openAIViolation(text, includeUsage)).toBeUndefined();
      }
    }
    const text = encodeEvents(O.streamEncoder({ model: "gpt-4o-2024-08-06", includeUsage: true }), decodeSseText(O.streamDecoder(), await fixture("text-stream.sse").text()));
    const got = dataJson(text);
    expect(got.map((c: any) => (c === "[DONE]" ? c : c.choices[0]?.delta ?? c.usage))).toEqual([
      { role: "assistant", content: "" }, { content: "San" }, { content: " Francisco" }, {},
      { prompt_tokens: 17, completion_tokens: 10, total_tokens: 27, prompt_tokens_details: { cached_tokens: 0 } }, "[DONE]",
    ]);
    expect((got[0] as any).id).toBe("chatcmpl-9tZX");
    expect((got[0] as any).created).toBe(1723031664);
  });

  test("an in-stream error chunk and a cut stream", () => {
    const err = decodeSseText(O.streamDecoder(), 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}\n\ndata: {"error":{"message":"boom","type":"server_error"}}\n\n');
    expect(err.at(-1)).toMatchObject({ type: "error" });
    const a = sseEvents(encodeEvents(A.streamEncoder({ model: "m" }), err));
    expect(a.map((e) => e.event)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "error"]);
    const cut = decodeSseText(O.streamDecoder(), 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}\n\n');
    expect(cut.at(-1)!.type).toBe("error");
    // a server that ends after finish_reason without [DONE] is complete
    const noDone = decodeSseText(O.streamDecoder(), 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\n');
    expect(noDone.at(-1)!.type).toBe("end");
  });
});

describe("openai-chat errors", () => {
  test("decodeError / encodeError: status kept, error type mapped", () => {
    const e = O.decodeError(400, '{"error":{"message":"This model\'s maximum context length is 8192","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}');
    expect([e.status, e.code, e.options.param, e.options.upstreamType]).toEqual([400, "invalid_request", "messages", "invalid_request_error"]);
    expect(O.encodeError(e)).toEqual({ status: 400, body: { error: { message: e.message, type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } } });
    const anth = A.decodeError(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    expect(O.encodeError(anth)).toEqual({ status: 503, body: { error: { message: "Overloaded", type: "server_error", param: null, code: "overloaded" } } });
    const rl = A.decodeError(429, '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}', new Headers({ "retry-after": "12" }));
    expect(O.encodeError(rl).body).toEqual({ error: { message: "slow down", type: "rate_limit_exceeded", param: null, code: "rate_limit_exceeded" } });
    expect(rl.options.retryAfter).toBe(12);
    expect(rl.options.headers).toEqual({ "retry-after": "12" });
    expect(O.encodeError(A.decodeError(401, '{"type":"error","error":{"type":"authentication_error","message":"bad key"}}')).body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
  });
});
