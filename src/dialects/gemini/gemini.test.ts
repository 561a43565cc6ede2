import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { GatewayError } from "../../errors.ts";
import { RequestSchema, ResponseSchema } from "../../canonical/model.ts";
import { idWithSignature, MAX_SIGNATURE_IN_ID, SKIP_THOUGHT_SIGNATURE, splitToolCallId } from "../../canonical/tool-call-id.ts";
import { createDialects } from "../index.ts";
import { decodeSseText, encodeEvents } from "../shared/convert-sse-text.ts";
import { anthropicViolation, dataJson, openAIViolation, sseEvents } from "../shared/sse-assertions.test-support.ts";
import { rng } from "../../../test/support/rng.ts";

const d = createDialects();
const G = d.gemini;
const A = d["anthropic-messages"];
const O = d["openai-chat"];
const checkRequest = TypeCompiler.Compile(RequestSchema);
const checkResponse = TypeCompiler.Compile(ResponseSchema);
const fx = (name: string, dialect = "gemini") => Bun.file(`${import.meta.dir}/../${dialect}/__fixtures__/${name}`);
const opts = (model = "target") => ({ model, defaultMaxTokens: 32000, onAdjust: () => {} });
const thrown = (f: () => unknown): GatewayError => {
  try {
    f();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error("did not throw");
};

describe("gemini requests from Gemini CLI", () => {
  test("the tool turn decodes to canonical: system, tools as JSON Schema, the call with its id and skip signature, the result", async () => {
    const body = await fx("request-gemini-cli-tool-turn.json").json();
    const req = G.decodeRequest(body, { model: "gemini-2.5-flash", stream: true });
    expect(checkRequest.Check(req)).toBe(true);
    expect(req).toMatchObject({ origin: "gemini", model: "gemini-2.5-flash", stream: true, temperature: 1, topP: 0.95, topK: 64, includeThoughts: true, thinking: { type: "enabled", budgetTokens: 8192 } });
    expect(req.system?.length).toBe(1);
    expect(req.tools?.map((t) => t.name)).toContain("run_shell_command");
    expect(req.tools!.every((t) => t.inputSchema?.type === "object")).toBe(true);
    expect(req.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(req.messages[1]!.content).toEqual([
      { type: "tool_call", id: "run_shell_command_1796400233661_0", name: "run_shell_command", arguments: JSON.stringify({ command: "echo hi-from-tool", description: "echo" }), thoughtSignature: SKIP_THOUGHT_SIGNATURE },
    ]);
    expect(req.messages[2]!.content[0]).toMatchObject({ type: "tool_result", toolCallId: "run_shell_command_1796400233661_0" });
    expect((req.messages[2]!.content[0] as any).content[0].text).toStartWith("<untrusted_context>\nOutput: hi-from-tool");
  });

  test("encodes to a valid Anthropic request (thinking given up: the echoed call has no Anthropic thinking block)", async () => {
    const req = G.decodeRequest(await fx("request-gemini-cli-tool-turn.json").json(), { model: "gemini-2.5-flash", stream: true });
    const adjusted: string[] = [];
    const out = A.encodeRequest(req, { ...opts("claude-x"), onAdjust: (f, r) => adjusted.push(`${f}: ${r}`) }) as any;
    expect(checkRequest.Check(A.decodeRequest(JSON.parse(JSON.stringify(out))))).toBe(true);
    expect(out.messages.map((m: any) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(out.messages[1].content).toEqual([{ type: "tool_use", id: "run_shell_command_1796400233661_0", name: "run_shell_command", input: { command: "echo hi-from-tool", description: "echo" } }]);
    expect(out.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "run_shell_command_1796400233661_0" });
    expect(out.tools.every((t: any) => t.input_schema.type === "object")).toBe(true);
    expect(out).not.toHaveProperty("thinking");
    expect(adjusted.some((a) => a.includes("no thinking block"))).toBe(true);
    expect(out.stream).toBe(true);
    expect(JSON.stringify(out)).not.toContain(SKIP_THOUGHT_SIGNATURE);
  });

  test("encodes to a valid Chat request: tool message after the call, reasoning effort from the budget", async () => {
    const req = G.decodeRequest(await fx("request-gemini-cli-tool-turn.json").json(), { model: "gemini-2.5-flash", stream: true });
    const out = O.encodeRequest(req, opts("gpt-x")) as any;
    expect(checkRequest.Check(O.decodeRequest(JSON.parse(JSON.stringify(out))))).toBe(true);
    expect(out.messages.map((m: any) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(out.messages[3].tool_call_id).toBe(out.messages[2].tool_calls[0].id);
    expect(out.reasoning_effort).toBe("high");
    expect(out.stream_options).toEqual({ include_usage: true });
  });

  test("the routing call's JSON-schema answer (upper-case types) becomes structured output elsewhere", async () => {
    const req = G.decodeRequest(await fx("request-gemini-cli-routing.json").json(), { model: "gemini-3.5-flash-lite" });
    expect(req.reasoningEffort).toBe("high");
    expect(req.responseFormat).toEqual({
      type: "json_schema",
      schema: { type: "object", properties: { complexity_reasoning: { type: "string", description: "Brief explanation for the score." }, complexity_score: { type: "integer", description: "Complexity score from 1-100." } }, required: ["complexity_reasoning", "complexity_score"] },
    });
    const a = A.encodeRequest(req, opts()) as any;
    expect(a.output_config.format.schema.properties.complexity_score.type).toBe("integer");
    expect(a.messages).toHaveLength(1); // the two user turns are one Anthropic message
    const o = O.encodeRequest(req, opts()) as any;
    expect(o.response_format.type).toBe("json_schema");
    expect(o.messages.filter((m: any) => m.role === "user")).toHaveLength(2);
  });

  test("snake_case fields, OpenAPI schemas with nullable, tool config and safety settings", () => {
    const req = G.decodeRequest({
      system_instruction: { parts: [{ text: "Be brief." }] },
      contents: [{ role: "user", parts: [{ text: "hi" }, { inline_data: { mime_type: "image/png", data: "iVBO" } }] }],
      tools: [{ function_declarations: [{ name: "f", parameters: { type: "OBJECT", properties: { a: { type: "STRING", nullable: true } }, propertyOrdering: ["a"] } }] }],
      tool_config: { function_calling_config: { mode: "ANY", allowed_function_names: ["f"] } },
      generation_config: { max_output_tokens: 100, stop_sequences: ["x"], response_mime_type: "application/json", thinking_config: { thinking_budget: 0 } },
      safety_settings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
    }, { model: "m" });
    expect(checkRequest.Check(req)).toBe(true);
    expect(req).toMatchObject({
      system: [{ type: "text", text: "Be brief." }], maxTokens: 100, stop: ["x"], responseFormat: { type: "json_object" },
      thinking: { type: "disabled" }, toolChoice: { type: "tool", name: "f" },
      safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
    });
    expect(req.tools![0]!.inputSchema).toEqual({ type: "object", properties: { a: { type: ["string", "null"] } } });
    expect(req.messages[0]!.content[1]).toEqual({ type: "image", source: { type: "base64", mediaType: "image/png", data: "iVBO" } });
    const adjusted: string[] = [];
    A.encodeRequest(req, { ...opts(), onAdjust: (f) => adjusted.push(f) });
    expect(G.encodeRequest(req, opts()).safetySettings).toEqual(req.safetySettings!);
  });

  test("bad input names the field; built-in tools are a 400 towards other upstreams", () => {
    expect(thrown(() => G.decodeRequest({ contents: [{ role: "system", parts: [{ text: "x" }] }] }, { model: "m" })).options.param).toBe("contents[0].role");
    expect(thrown(() => G.decodeRequest({ contents: [] }, { model: "m" })).options.param).toBe("contents");
    expect(thrown(() => G.decodeRequest({ contents: [{ parts: [{ text: "x" }] }] })).options.param).toBe("model");
    expect(thrown(() => G.decodeRequest({ contents: [{ parts: [{ functionCall: { args: {} } }] }] }, { model: "m" })).options.param).toBe("contents[0].parts[0].functionCall.name");
    expect(thrown(() => G.decodeRequest({ contents: [{ parts: "x" }] }, { model: "m" })).options.param).toBe("contents[0].parts");
    const req = G.decodeRequest({ contents: [{ parts: [{ text: "news?" }] }], tools: [{ googleSearch: {} }] }, { model: "m" });
    for (const target of [A, O]) {
      const e = thrown(() => target.encodeRequest(req, opts()));
      expect([e.status, e.options.param]).toEqual([400, "tools"]);
      expect(e.message).toContain("googleSearch");
    }
    expect(G.encodeRequest(req, opts()).tools).toEqual([{ googleSearch: {} }]);
  });
});

describe("requests towards a Gemini upstream", () => {
  const chat = {
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Be terse." },
      { role: "user", content: [{ type: "text", text: "Weather and time in Paris?" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/" } }] },
      { role: "assistant", content: null, tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } },
      ] },
      { role: "tool", tool_call_id: "call_2", content: "12:00" },
      { role: "tool", tool_call_id: "call_1", content: "18C" },
      { role: "developer", content: "Answer in French." },
    ],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false, $schema: "https://json-schema.org/draft/2020-12/schema" } } }],
    tool_choice: "required",
    max_completion_tokens: 500,
    stop: ["a", "b", "c", "d"],
    reasoning_effort: "medium",
    response_format: { type: "json_schema", json_schema: { name: "r", schema: { type: "object" } } },
    user: "u1",
    stream: true,
  };

  test("from an OpenAI client: systemInstruction, alternating turns, calls with ids and the skip signature, responses in call order", () => {
    const adjusted: string[] = [];
    const out = G.encodeRequest(O.decodeRequest(chat), { ...opts("gemini-2.5-flash"), onAdjust: (f, r) => adjusted.push(`${f}: ${r}`) }) as any;
    expect(out).toEqual({
      contents: [
        { role: "user", parts: [{ text: "Weather and time in Paris?" }, { inlineData: { mimeType: "image/jpeg", data: "/9j/" } }] },
        { role: "model", parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" }, id: "call_1" }, thoughtSignature: SKIP_THOUGHT_SIGNATURE },
          { functionCall: { name: "get_time", args: {}, id: "call_2" } },
        ] },
        { role: "user", parts: [
          { functionResponse: { name: "get_weather", id: "call_1", response: { result: "18C" } } },
          { functionResponse: { name: "get_time", id: "call_2", response: { result: "12:00" } } },
        ] },
      ],
      systemInstruction: { parts: [{ text: "Be terse." }, { text: "Answer in French." }] },
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: chat.tools[0]!.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY" } },
      generationConfig: {
        maxOutputTokens: 500, stopSequences: ["a", "b", "c", "d"], responseMimeType: "application/json", responseJsonSchema: { type: "object" },
        thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
      },
    });
    expect(out).not.toHaveProperty("stream");
    expect(adjusted).toContain("user: Gemini has no end-user id");
    expect(adjusted.some((a) => a.startsWith("thoughtSignature"))).toBe(true);
  });

  test("thinking: a level for Gemini 3, a budget for 2.5 (Pro's minimum instead of off), display omitted hides thoughts", () => {
    const base = { model: "x", messages: [{ role: "user", content: "hi" }] };
    const cfg = (body: object, model: string) => (G.encodeRequest(O.decodeRequest({ ...base, ...body }), opts(model)) as any).generationConfig?.thinkingConfig;
    expect(cfg({ reasoning_effort: "low" }, "gemini-3-pro-preview")).toEqual({ thinkingLevel: "LOW", includeThoughts: true });
    expect(cfg({ reasoning_effort: "high" }, "gemini-2.5-flash")).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(cfg({ reasoning_effort: "none" }, "gemini-2.5-pro")).toEqual({ thinkingBudget: 128, includeThoughts: false });
    expect(cfg({}, "gemini-2.5-flash")).toBeUndefined();
    const claude = A.decodeRequest({ model: "c", max_tokens: 100, messages: [{ role: "user", content: "hi" }], thinking: { type: "adaptive", display: "omitted" }, output_config: { effort: "medium" } });
    expect((G.encodeRequest(claude, opts("gemini-2.5-flash")) as any).generationConfig.thinkingConfig).toEqual({ thinkingBudget: 8192, includeThoughts: false });
    const noReasoning = G.encodeRequest(O.decodeRequest({ ...base, reasoning_effort: "low" }), { ...opts("gemini-2.0-flash"), reasoning: false }) as any;
    expect(noReasoning.generationConfig?.thinkingConfig).toBeUndefined();
  });

  test("from an Anthropic client: tool results first and paired, a dangling call answered with an error, n > 1 refused", () => {
    const req = A.decodeRequest({
      model: "c", max_tokens: 100, system: [{ type: "text", text: "S" }],
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "thinking", thinking: "t", signature: "anthropic-sig" }, { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } }, { type: "tool_use", id: "toolu_2", name: "g", input: {} }] },
        { role: "user", content: [{ type: "text", text: "also this" }, { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "ok" }], is_error: true }] },
      ],
    });
    const out = G.encodeRequest(req, opts()) as any;
    expect(out.contents[1].parts.map((p: any) => Object.keys(p)[0])).toEqual(["functionCall", "functionCall"]);
    expect(out.contents[2].parts).toEqual([
      { functionResponse: { name: "f", id: "toolu_1", response: { error: "ok" } } },
      { functionResponse: { name: "g", id: "toolu_2", response: { error: "(no result)" } } },
      { text: "also this" },
    ]);
    expect(thrown(() => G.encodeRequest(O.decodeRequest({ model: "x", n: 2, messages: [{ role: "user", content: "hi" }] }), opts())).options.param).toBe("n");
  });
});

describe("thought signatures through tool-call ids", () => {
  test("ids carry a signature reversibly, in Anthropic's id alphabet; other ids are left alone", () => {
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(r() * 60);
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const sig = i % 3 === 0 ? String.fromCharCode(...Array.from({ length: n }, () => 32 + Math.floor(r() * 500))) : Buffer.from(bytes).toString(i % 3 === 1 ? "base64" : "base64url");
      const id = ["call_1", "toolu_01A", "gsig_x", "fc_" + i, "run_shell_command_1796400233661_0"][i % 5]!;
      const wrapped = idWithSignature(id, sig);
      if (!sig) {
        expect(wrapped).toBe(id);
        continue;
      }
      expect(wrapped).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(splitToolCallId(wrapped)).toEqual({ id, signature: sig });
    }
    for (const id of ["call_1", "gsig", "gsig12_abc", "gsig3_bAB_", "gsigx_y", "gsig4_bABC"]) expect(splitToolCallId(id)).toEqual({ id });
    expect(idWithSignature("c", "A".repeat(MAX_SIGNATURE_IN_ID + 4))).toBe("c");
  });

  test("a Gemini answer's signature comes back to Gemini through an OpenAI or Anthropic client's next request", async () => {
    const res = G.decodeResponse(await fx("response-tool-call.json").json());
    const forOpenAI = O.encodeResponse(res, { model: "m" }) as any;
    const forAnthropic = A.encodeResponse(res, { model: "m" }) as any;
    const callId = forOpenAI.choices[0].message.tool_calls[0].id;
    expect(splitToolCallId(callId)).toEqual({ id: "fc_1", signature: "CiQB0e2Kb+/x9Q==" });
    expect(forAnthropic.content.find((b: any) => b.type === "tool_use").id).toBe(callId);

    const nextOpenAI = O.decodeRequest({ model: "m", messages: [
      { role: "user", content: "weather?" },
      { role: "assistant", content: "Let me check.", tool_calls: [{ id: callId, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: callId, content: "18C" },
    ] });
    const nextAnthropic = A.decodeRequest({ model: "m", max_tokens: 10, messages: [
      { role: "user", content: "weather?" },
      { role: "assistant", content: forAnthropic.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: callId, content: "18C" }] },
    ] });
    for (const next of [nextOpenAI, nextAnthropic]) {
      const out = G.encodeRequest(next, opts("gemini-3-pro-preview")) as any;
      const model = out.contents.find((c: any) => c.role === "model");
      expect(model.parts.find((p: any) => p.functionCall)).toEqual({ functionCall: { name: "get_weather", args: { city: "Paris" }, id: "fc_1" }, thoughtSignature: "CiQB0e2Kb+/x9Q==" });
      expect(out.contents.at(-1).parts[0]).toEqual({ functionResponse: { name: "get_weather", id: "fc_1", response: { result: "18C" } } });
    }
  });
});

describe("gemini responses", () => {
  test("decoded to canonical, then for OpenAI and Anthropic clients with exact usage", async () => {
    const res = G.decodeResponse(await fx("response-tool-call.json").json());
    expect(checkResponse.Check(res)).toBe(true);
    expect(res.usage).toEqual({ inputTokens: 125, outputTokens: 335, cacheReadTokens: 100, reasoningTokens: 310 });
    expect(res.safetyRatings).toEqual([{ category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" }]);
    const o = O.encodeResponse(res, { model: "m" }) as any;
    expect(o.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { content: "Let me check.", reasoning_content: "Thinking about Paris" } });
    expect(o.usage).toEqual({ prompt_tokens: 125, completion_tokens: 335, total_tokens: 460, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 310 } });
    expect(o.id).toBe("chatcmpl-resp_abc");
    const a = A.encodeResponse(res, { model: "m" }) as any;
    expect(a.content.map((b: any) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(a.stop_reason).toBe("tool_use");
    expect(a.usage).toEqual({ input_tokens: 25, output_tokens: 335, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens_details: { thinking_tokens: 310 } });
  });

  test("for a Gemini client: parts, finishReason, usageMetadata (other upstreams' usage exactly), ids and signatures", () => {
    const anth = A.decodeResponse({
      id: "msg_1", model: "claude", content: [{ type: "thinking", thinking: "hm", signature: "s" }, { type: "text", text: "Sure." }, { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } }],
      stop_reason: "tool_use", usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 30, cache_creation_input_tokens: 5 },
    });
    expect(G.encodeResponse(anth, { model: "gemini-x" })).toEqual({
      candidates: [{ content: { role: "model", parts: [{ text: "hm", thought: true }, { text: "Sure." }, { functionCall: { id: "toolu_1", name: "f", args: { a: 1 } } }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 45, candidatesTokenCount: 20, totalTokenCount: 65, cachedContentTokenCount: 30 },
      modelVersion: "gemini-x",
      responseId: "msg_1",
    });
    const chat = O.decodeResponse({ id: "c", choices: [{ index: 0, message: { content: "x" }, finish_reason: "length" }], usage: { prompt_tokens: 5, completion_tokens: 7, completion_tokens_details: { reasoning_tokens: 3 } } });
    expect(G.encodeResponse(chat, { model: "g" })).toMatchObject({ candidates: [{ finishReason: "MAX_TOKENS" }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 4, thoughtsTokenCount: 3, totalTokenCount: 12 } });
    const round = G.encodeResponse(G.decodeResponse({ candidates: [{ content: { parts: [{ text: "a" }, { text: "", thoughtSignature: "sig" }] }, finishReason: "STOP" }] }), { model: "g" }) as any;
    expect(round.candidates[0].content.parts).toEqual([{ text: "a", thoughtSignature: "sig" }]);
  });

  test("finish reasons both ways; a blocked prompt is an empty filtered answer", () => {
    const fr = (r: string) => (O.encodeResponse(G.decodeResponse({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: r }] }), { model: "m" }) as any).choices[0].finish_reason;
    expect(["STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "PROHIBITED_CONTENT", "MALFORMED_FUNCTION_CALL", "OTHER", "SOMETHING_NEW"].map(fr)).toEqual(["stop", "length", "content_filter", "content_filter", "content_filter", "stop", "stop", "stop"]);
    const back = (sr: string) => (G.encodeResponse(A.decodeResponse({ id: "x", content: [], stop_reason: sr, usage: {} }), { model: "m" }) as any).candidates[0].finishReason;
    expect(["end_turn", "stop_sequence", "max_tokens", "tool_use", "refusal", "pause_turn", "model_context_window_exceeded"].map(back)).toEqual(["STOP", "STOP", "MAX_TOKENS", "STOP", "SAFETY", "STOP", "MAX_TOKENS"]);
    const blocked = G.decodeResponse({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } });
    expect(blocked).toMatchObject({ content: [], stopReason: "content_filter", usage: { inputTokens: 4, outputTokens: 0 } });
    expect((O.encodeResponse(blocked, { model: "m" }) as any).choices[0]).toMatchObject({ finish_reason: "content_filter", message: { content: null } });
    expect(G.encodeResponse(blocked, { model: "m" })).toMatchObject({ promptFeedback: { blockReason: "SAFETY" } });
  });
});

describe("gemini streams", () => {
  test("thoughts, text and two calls -> Anthropic client: valid stream, the signed call's id carries the signature, exact usage", async () => {
    const events = decodeSseText(G.streamDecoder(), await fx("thinking-tool-stream.sse").text());
    expect(events.at(-1)).toEqual({ type: "end" });
    const text = encodeEvents(A.streamEncoder({ model: "m" }), events);
    expect(anthropicViolation(text)).toBeUndefined();
    const evs = sseEvents(text).map((e) => JSON.parse(e.data));
    expect(evs.filter((e) => e.type === "content_block_start").map((e) => e.content_block)).toEqual([
      { type: "thinking", thinking: "", signature: "" },
      { type: "text", text: "" },
      { type: "tool_use", id: idWithSignature("call_tTCwacuEBMvnitYP06qsgQY_0", "CiQB0e2Kb+/x9Q=="), name: "get_weather", input: {} },
      { type: "tool_use", id: "call_tTCwacuEBMvnitYP06qsgQY_1", name: "get_time", input: {} },
    ]);
    expect(evs.at(-2)).toEqual({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 20, output_tokens: 335, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens_details: { thinking_tokens: 310 } } });
  });

  test("-> Chat client: valid stream, calls indexed 0 and 1, usage chunk", async () => {
    const events = decodeSseText(G.streamDecoder(), await fx("thinking-tool-stream.sse").text());
    for (const includeUsage of [true, false]) expect(openAIViolation(encodeEvents(O.streamEncoder({ model: "m", includeUsage }), events), includeUsage)).toBeUndefined();
    const chunks = dataJson(encodeEvents(O.streamEncoder({ model: "m", includeUsage: true }), events)) as any[];
    const calls = chunks.flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? []);
    expect(calls.filter((c: any) => c.id).map((c: any) => [c.index, c.function.name])).toEqual([[0, "get_weather"], [1, "get_time"]]);
    expect(chunks.at(-2).usage).toEqual({ prompt_tokens: 120, completion_tokens: 335, total_tokens: 455, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 310 } });
    expect(chunks.map((c) => c.choices?.[0]?.delta?.reasoning_content ?? "").join("")).toBe("**Checking the weather**\n\nThe user wants Paris.");
  });

  test("a cut stream is an error; an in-stream error keeps its status; a blocked prompt finishes filtered", () => {
    const cut = decodeSseText(G.streamDecoder(), 'data: {"candidates":[{"content":{"parts":[{"text":"x"}]}}]}\r\n\r\n');
    expect(cut.at(-1)).toMatchObject({ type: "error", error: { status: 502 } });
    const err = decodeSseText(G.streamDecoder(), 'data: {"candidates":[{"content":{"parts":[{"text":"x"}]}}]}\n\ndata: {"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}\n\n');
    expect(err.at(-1)).toMatchObject({ type: "error", error: { status: 429, code: "rate_limited", message: "Resource exhausted" } });
    expect(sseEvents(encodeEvents(A.streamEncoder({ model: "m" }), err)).map((e) => e.event)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "error"]);
    const blocked = decodeSseText(G.streamDecoder(), 'data: {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":3,"totalTokenCount":3}}\n\n');
    expect(blocked.map((e) => e.type)).toEqual(["start", "usage", "finish", "end"]);
    expect(blocked[2]).toEqual({ type: "finish", stopReason: "content_filter" });
  });

  test("a text's trailing signature reaches a Gemini encoder as the last chunk's part", async () => {
    const events = decodeSseText(G.streamDecoder(), await fx("text-stream.sse").text());
    expect(events.find((e) => e.type === "block_stop")).toEqual({ type: "block_stop", index: 0, thoughtSignature: "AY89a18iOcFus5wr" });
    const chunks = dataJson(encodeEvents(G.streamEncoder({ model: "gemini-2.5-flash" }), events)) as any[];
    expect(chunks.map((c) => c.candidates[0].content.parts.map((p: any) => p.text).join("")).join("")).toBe("Hello there, how can I help?");
    expect(chunks.at(-1)).toEqual({
      candidates: [{ content: { role: "model", parts: [{ text: "", thoughtSignature: "AY89a18iOcFus5wr" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 6, totalTokenCount: 14 },
      modelVersion: "gemini-2.5-flash",
      responseId: "tTCwacuEBMvnitYP06qsgQY",
    });
  });

  test("random byte splits decode the same as the whole stream", async () => {
    const enc = new TextEncoder();
    const r = rng(3);
    for (const name of ["thinking-tool-stream.sse", "text-stream.sse"]) {
      const text = await fx(name).text();
      const whole = decodeSseText(G.streamDecoder(), text);
      const bytes = enc.encode(text);
      for (let round = 0; round < 100; round++) {
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + Math.floor(r() * 40);
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        expect(decodeSseText(G.streamDecoder(), chunks)).toEqual(whole);
      }
    }
  });

  test("Anthropic and Chat streams -> Gemini chunks; the JSON-array form is one JSON array of the same chunks", async () => {
    for (const [dialect, file] of [["anthropic-messages", "thinking-stream.sse"], ["anthropic-messages", "tool-use-stream.sse"], ["openai-chat", "tool-calls-stream.sse"], ["openai-chat", "reasoning-stream.sse"]] as const) {
      const events = decodeSseText(d[dialect].streamDecoder(), await fx(file, dialect).text());
      const sse = dataJson(encodeEvents(G.streamEncoder({ model: "g" }), events)) as any[];
      const array = JSON.parse(encodeEvents(G.streamEncoder({ model: "g", streamFraming: "json-array" }), events));
      expect(array).toEqual(sse);
      expect(sse.at(-1).candidates[0].finishReason).toBe("STOP");
      expect(sse.slice(0, -1).every((c) => c.candidates[0].finishReason === undefined)).toBe(true);
      expect(new Set(sse.map((c) => c.responseId)).size).toBe(1);
    }
    const errored = encodeEvents(G.streamEncoder({ model: "g", streamFraming: "json-array" }), [{ type: "start", id: "r", model: "" }, { type: "error", error: new GatewayError(503, "overloaded", "busy") }]);
    expect(JSON.parse(errored)).toEqual([{ error: { code: 503, message: "busy", status: "UNAVAILABLE" } }]);
  });
});

describe("gemini errors", () => {
  test("Google's error body decoded: status, RPC name, retry delay; a bad key is the account's 401", () => {
    const rl = G.decodeError(429, JSON.stringify({ error: { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "12s" }] } }));
    expect([rl.status, rl.code, rl.message, rl.options.upstreamType, rl.options.retryAfter]).toEqual([429, "rate_limited", "Quota exceeded", "RESOURCE_EXHAUSTED", 12]);
    const key = G.decodeError(400, JSON.stringify({ error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] } }));
    expect([key.status, key.code, key.options.upstreamCode]).toEqual([401, "authentication", "API_KEY_INVALID"]);
    expect(G.decodeError(503, "upstream connect error").message).toBe("upstream connect error");
    expect(O.encodeError(G.decodeError(503, JSON.stringify({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } })))).toEqual({ status: 503, body: { error: { message: "The model is overloaded.", type: "server_error", param: null, code: "overloaded" } } });
    expect(A.encodeError(G.decodeError(503, JSON.stringify({ error: { code: 503, message: "busy", status: "UNAVAILABLE" } })))).toEqual({ status: 529, body: { type: "error", error: { type: "overloaded_error", message: "busy" } } });
  });

  test("encoded in Google's shape for Gemini clients", () => {
    const cases: [GatewayError, number, string][] = [
      [new GatewayError(400, "invalid_request", "contents: required"), 400, "INVALID_ARGUMENT"],
      [new GatewayError(401, "authentication", "bad key"), 401, "UNAUTHENTICATED"],
      [new GatewayError(403, "permission", "no"), 403, "PERMISSION_DENIED"],
      [new GatewayError(404, "not_found", "no model"), 404, "NOT_FOUND"],
      [new GatewayError(429, "rate_limited", "slow"), 429, "RESOURCE_EXHAUSTED"],
      [A.decodeError(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'), 503, "UNAVAILABLE"],
      [new GatewayError(504, "timeout", "late"), 504, "DEADLINE_EXCEEDED"],
      [new GatewayError(500, "internal", "oops"), 500, "INTERNAL"],
    ];
    for (const [err, status, name] of cases) expect(G.encodeError(err)).toEqual({ status, body: { error: { code: status, message: err.message, status: name } } });
    expect(G.encodeStreamError(new GatewayError(500, "upstream_error", "cut"))).toBe('data: {"error":{"code":500,"message":"cut","status":"INTERNAL"}}\r\n\r\n');
  });
});
