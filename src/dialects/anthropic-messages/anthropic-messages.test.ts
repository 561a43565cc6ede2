import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../errors.ts";
import { createDialects } from "../index.ts";
import { decodeSseText, encodeEvents } from "../shared/convert-sse-text.ts";
import { anthropicViolation, dataJson, openAIViolation, sseEvents } from "../shared/sse-assertions.test-support.ts";

const d = createDialects();
const A = d["anthropic-messages"];
const O = d["openai-chat"];
const fixture = (name: string) => Bun.file(`${import.meta.dir}/__fixtures__/${name}`);

describe("anthropic-messages requests", () => {
  test("Claude Code request decodes: effort, adaptive thinking, session key, mid-conversation system message, server tools", async () => {
    const body = await fixture("request-claude-code.json").json();
    const req = A.decodeRequest(body);
    expect(req.model).toBe("claude-opus-5-5");
    expect(req.stream).toBe(true);
    expect(req.sessionKey).toBe(body.metadata.user_id);
    expect(req.reasoningEffort).toBe("medium");
    expect(req.thinking).toEqual({ type: "adaptive", display: "omitted" });
    expect(req.messages.map((m) => m.role)).toContain("system");
    expect(req.rawTools?.length).toBeGreaterThan(0);
    expect(Object.keys(req.extra ?? {})).toContain("context_management");
  });

  test("Claude Code request towards an OpenAI upstream", async () => {
    const body = await fixture("request-claude-code.json").json();
    const adjusted: string[] = [];
    const out = O.encodeRequest(A.decodeRequest(body), { model: "gpt-5", defaultMaxTokens: 4096, onAdjust: (f) => adjusted.push(f) }) as any;
    expect(out.model).toBe("gpt-5");
    expect(out.stream).toBe(true);
    expect(out.stream_options).toEqual({ include_usage: true });
    // An account whose server rejects stream_options (stream_usage: false) gets none.
    expect((O.encodeRequest(A.decodeRequest(body), { model: "gpt-5", defaultMaxTokens: 4096, streamUsage: false }) as any).stream_options).toBeUndefined();
    expect(out.reasoning_effort).toBe("medium");
    expect(out.user).toBe(body.metadata.user_id);
    expect(out.max_tokens).toBe(32000);
    expect(JSON.stringify(out)).not.toContain("cache_control");
    expect(adjusted).toContain("context_management");
    const roles = out.messages.map((m: any) => m.role);
    expect(roles).toEqual(["system", "user", "assistant", "tool", "user", "user", "system", "assistant", "tool"]);
    expect(out.messages[0].content).toContain("You are Claude Code");
    expect(out.messages[1].content[1]).toEqual({ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } });
    expect(out.messages[2]).toEqual({
      role: "assistant",
      content: "Running ls.",
      tool_calls: [{ id: "toolu_01A", type: "function", function: { name: "Bash", arguments: '{"command":"ls"}' } }],
    });
    expect(out.messages[3]).toEqual({ role: "tool", tool_call_id: "toolu_01A", content: "a.txt\nb.txt" });
    // the tool result's image follows the tool messages in a user message, then the user's own text
    expect(out.messages[4].content[1]).toEqual({ type: "image_url", image_url: { url: "https://example.com/shot.png" } });
    expect(out.messages[5]).toEqual({ role: "user", content: "Now count them" });
    expect(out.messages[6]).toEqual({ role: "system", content: "The user switched to plan mode." });
    expect(out.messages[7].content).toBeNull();
    expect(out.messages[8]).toEqual({ role: "tool", tool_call_id: "toolu_01B", content: "Error: command failed" });
    // server tools and defer_loading dropped deliberately
    expect(out.tools.map((t: any) => t.function.name)).toEqual(["Bash", "WebFetch"]);
    expect(out.tools[1].function).not.toHaveProperty("defer_loading");
  });

  test("thinking budget -> reasoning_effort, tool_choice and parallel flag towards OpenAI", () => {
    const req = A.decodeRequest({
      model: "m", max_tokens: 10000, messages: [{ role: "user", content: "hi" }],
      thinking: { type: "enabled", budget_tokens: 5000 }, top_k: 5, stop_sequences: ["a"], temperature: 0,
      tools: [{ name: "t", input_schema: { type: "object" } }], tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    const out = O.encodeRequest(req, { model: "gpt", defaultMaxTokens: 1, maxTokensField: "max_completion_tokens" }) as any;
    expect(out).toMatchObject({ reasoning_effort: "medium", stop: ["a"], temperature: 0, tool_choice: "required", parallel_tool_calls: false, max_completion_tokens: 10000 });
    expect(out).not.toHaveProperty("top_k");
    expect(out).not.toHaveProperty("stream_options");
    expect(O.encodeRequest(req, { model: "gpt", defaultMaxTokens: 1, reasoning: false })).not.toHaveProperty("reasoning_effort");
  });

  test("bad input is a 400 naming the field", () => {
    const bad = (body: unknown) => {
      try {
        A.decodeRequest(body);
      } catch (e) {
        return e as GatewayError;
      }
      throw new Error("no error");
    };
    expect(bad({ model: "m", messages: [{ role: "bot", content: "x" }] }).options.param).toBe("messages[0].role");
    const e = bad({ model: "m", max_tokens: 5, messages: [{ role: "user", content: [{ type: "text" }] }] });
    expect(e.status).toBe(400);
    expect(e.options.param).toBe("messages[0].content[0].text");
    expect(bad({ messages: [] }).options.param).toBe("model");
  });
});

describe("anthropic-messages responses", () => {
  test("towards an OpenAI client: text joined, thinking as reasoning_content and signed thinking_blocks, tool calls", async () => {
    const body = await fixture("response-tool-use.json").json();
    const res = A.decodeResponse(body);
    const o = O.encodeResponse(res, { model: "claude-x", created: 1 }) as any;
    expect(o).toMatchObject({
      id: "chatcmpl-msg_019Q1hrJbZG26Fb9BQhrkHEr", object: "chat.completion", created: 1, model: "claude-x",
      choices: [{ index: 0, finish_reason: "tool_calls", message: {
        role: "assistant", content: "I'll check the weather in Paris for you.", reasoning_content: "...",
        thinking_blocks: [{ type: "thinking", thinking: "...", signature: "EqQB..." }],
        tool_calls: [{ id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } }],
      } }],
      usage: { prompt_tokens: 377, completion_tokens: 65, total_tokens: 442, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  test("usage with cache reads/writes maps both ways (Anthropic input_tokens excludes the cache, OpenAI prompt_tokens includes it)", () => {
    const res = A.decodeResponse({ id: "m", model: "x", content: [], stop_reason: "end_turn", usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 7 } });
    expect(res.usage).toMatchObject({ inputTokens: 115, cacheReadTokens: 100, cacheWriteTokens: 5, outputTokens: 7 });
    const o = O.encodeResponse(res, { model: "x" }) as any;
    expect(o.usage).toEqual({ prompt_tokens: 115, completion_tokens: 7, total_tokens: 122, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 5 } });
    const back = A.encodeResponse(O.decodeResponse(o), { model: "x" }) as any;
    expect(back.usage).toEqual({ input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 });
    expect(back.stop_reason).toBe("end_turn");
  });
});

describe("anthropic-messages streams", () => {
  test("tool-use stream -> OpenAI client chunk by chunk: role chunk first, tool-call index counted apart from block indices", async () => {
    const events = decodeSseText(A.streamDecoder(), await fixture("tool-use-stream.sse").text());
    const text = encodeEvents(O.streamEncoder({ model: "claude-opus-4-8", created: 1755000000, includeUsage: true }), events);
    expect(openAIViolation(text, true)).toBeUndefined();
    const base = { id: "chatcmpl-msg_019Q1hrJbZG26Fb9BQhrkHEr", object: "chat.completion.chunk", created: 1755000000, model: "claude-opus-4-8" };
    const c = (delta: unknown, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    expect(dataJson(text)).toEqual([
      c({ role: "assistant", content: "" }),
      c({ content: "I" }),
      c({ content: "'ll check the current weather in Paris for you." }),
      c({ tool_calls: [{ index: 0, id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      c({ tool_calls: [{ index: 0, function: { arguments: '{"locati' } }] }),
      c({ tool_calls: [{ index: 0, function: { arguments: 'on": "Paris"}' } }] }),
      c({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 377, completion_tokens: 65, total_tokens: 442, prompt_tokens_details: { cached_tokens: 0 } } },
      "[DONE]",
    ]);
    // without include_usage: no usage chunk at all
    const plain = encodeEvents(O.streamEncoder({ model: "m" }), events);
    expect(openAIViolation(plain, false)).toBeUndefined();
  });

  test("thinking, redacted thinking and an argument-less tool -> OpenAI client", async () => {
    const events = decodeSseText(A.streamDecoder(), await fixture("thinking-stream.sse").text());
    const text = encodeEvents(O.streamEncoder({ model: "m", created: 1, includeUsage: true }), events);
    expect(openAIViolation(text, true)).toBeUndefined();
    const deltas = dataJson(text).slice(0, -1).map((c: any) => c.choices[0]?.delta ?? c.usage);
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "The user wants..." },
      { thinking_blocks: [{ type: "thinking", thinking: "The user wants...", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pk" }] },
      { thinking_blocks: [{ type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" }] },
      { content: "Hello!" },
      { tool_calls: [{ index: 0, id: "toolu_noargs", type: "function", function: { name: "get_time", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: "{}" } }] },
      {},
      { prompt_tokens: 260, completion_tokens: 120, total_tokens: 380, prompt_tokens_details: { cached_tokens: 200, cache_write_tokens: 10 }, completion_tokens_details: { reasoning_tokens: 80 } },
    ]);
  });

  test("Anthropic -> canonical -> Anthropic keeps every block and the usage", async () => {
    for (const name of ["tool-use-stream.sse", "thinking-stream.sse"]) {
      const src = await fixture(name).text();
      const text = encodeEvents(A.streamEncoder({ model: "m" }), decodeSseText(A.streamDecoder(), src));
      expect(anthropicViolation(text)).toBeUndefined();
      const strip = (t: string) => sseEvents(t).map((e) => JSON.parse(e.data)).filter((x) => x.type !== "ping" && !(x.delta?.type === "input_json_delta" && x.delta.partial_json === ""));
      const got = strip(text);
      const want = strip(src);
      expect(got.map((x) => x.type)).toEqual(want.map((x) => x.type));
      expect(got.filter((x) => x.type === "content_block_delta")).toEqual(want.filter((x) => x.type === "content_block_delta"));
      expect(got.find((x) => x.type === "message_delta").delta).toEqual(want.find((x) => x.type === "message_delta").delta);
    }
  });

  test("random byte splits of a fixture decode to the same canonical events", async () => {
    const bytes = new TextEncoder().encode((await fixture("thinking-stream.sse").text()).replace(/\n/g, "\r\n"));
    const whole = decodeSseText(A.streamDecoder(), [bytes]);
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const chunks: Uint8Array[] = [];
      for (let pos = 0; pos < bytes.length; ) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const size = 1 + (seed % 40);
        chunks.push(bytes.slice(pos, pos + size));
        pos += size;
      }
      expect(decodeSseText(A.streamDecoder(), chunks)).toEqual(whole);
    }
  });

  test("in-stream error: OpenAI client gets an error chunk and no [DONE]; Anthropic client gets the block closed first", async () => {
    const events = decodeSseText(A.streamDecoder(), await fixture("error-stream.sse").text());
    const last = events[events.length - 1]!;
    expect(last.type).toBe("error");
    if (last.type === "error") {
      expect(last.error.status).toBe(529);
      expect(last.error.options.upstreamType).toBe("overloaded_error");
    }
    const o = encodeEvents(O.streamEncoder({ model: "m" }), events);
    expect(o).not.toContain("[DONE]");
    expect(dataJson(o).at(-1)).toEqual({ error: { message: "Overloaded", type: "server_error", param: null, code: "overloaded" } });
    const a = sseEvents(encodeEvents(A.streamEncoder({ model: "m" }), events));
    expect(a.slice(-2).map((e) => e.event)).toEqual(["content_block_stop", "error"]);
    expect(JSON.parse(a.at(-1)!.data)).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  });

  test("a stream cut before message_stop is an error, never a stop", () => {
    const events = decodeSseText(A.streamDecoder(), 'event: message_start\ndata: {"type":"message_start","message":{"id":"x","model":"m","usage":{"input_tokens":1,"output_tokens":1}}}\n\n');
    expect(events.at(-1)!.type).toBe("error");
    expect(encodeEvents(O.streamEncoder({ model: "m" }), events)).not.toContain('"finish_reason":"stop"');
  });
});

describe("anthropic-messages errors", () => {
  test("decodeError keeps status, message, type, retry-after", () => {
    const e = A.decodeError(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}', new Headers({ "retry-after": "3" }));
    expect(e).toBeInstanceOf(GatewayError);
    expect([e.status, e.code, e.message, e.options.upstreamType, e.options.retryAfter]).toEqual([529, "overloaded", "Overloaded", "overloaded_error", 3]);
    const spend = A.decodeError(429, '{"type":"error","error":{"type":"rate_limit_error","message":"spend","details":{"error_code":"enforced_spend_limit_reached"}}}');
    expect(spend.options.upstreamCode).toBe("enforced_spend_limit_reached");
    const plain = A.decodeError(502, "<html>Bad gateway</html>");
    expect([plain.status, plain.code, plain.message]).toEqual([502, "upstream_error", "<html>Bad gateway</html>"]);
  });

  test("encodeError shapes, and OpenAI upstream errors for Anthropic clients", () => {
    expect(A.encodeError(new GatewayError(400, "invalid_request", "bad", { param: "x" }))).toEqual({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "bad" } } });
    const fromOpenAI = O.decodeError(503, '{"error":{"message":"busy","type":"server_error","param":null,"code":null}}');
    expect(A.encodeError(fromOpenAI)).toEqual({ status: 529, body: { type: "error", error: { type: "overloaded_error", message: "busy" } } });
    expect(A.encodeError(O.decodeError(429, '{"error":{"message":"slow","type":"requests","code":"rate_limit_exceeded"}}')).body).toEqual({ type: "error", error: { type: "rate_limit_error", message: "slow" } });
    expect(A.encodeStreamError(new GatewayError(504, "timeout", "late"))).toBe('event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"late"}}\n\n');
  });
});
