/**
 * Real OpenAI Responses clients through the real gateway (startServer, sockets) over every kind of upstream: the
 * `openai` SDK (`responses.create`, `responses.stream` and its event helpers, a function-calling loop, a
 * `previous_response_id` follow-up) and the Vercel AI SDK (`openai.responses(...)`: generateText, streamText, a
 * tool loop with its default `store: true`, which sends earlier output back as `item_reference` items).
 * Anthropic, Chat and Gemini upstreams are converted and the gateway keeps the answers; an OpenAI account gets the
 * client's bytes; the mock answers Responses itself.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { createDialects } from "../../src/dialects/index.ts";
import { decodeSseText, encodeEvents } from "../../src/dialects/shared/convert-sse-text.ts";
import { responsesViolation } from "../../src/dialects/openai-responses/stream-assertions.test-support.ts";
import { startHarness, type Harness } from "./harness.ts";

// The AI SDK warns when reasoning comes without state (Gemini's thoughts): expected here, not worth a log line.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
const d = createDialects();
type Json = Record<string, any>;
type Answer = { json: unknown } | { sse: string };

const sse = (events: Json[], named: boolean) =>
  events.map((e) => (named ? `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n` : `data: ${JSON.stringify(e)}\n\n`)).join("") + (named ? "" : "data: [DONE]\n\n");
const gem = (parts: Json[], last?: { finish?: string; usage?: Json }) => ({
  candidates: [{ content: { role: "model", parts }, index: 0, ...(last?.finish ? { finishReason: last.finish } : {}) }],
  ...(last?.usage ? { usageMetadata: last.usage } : {}),
  modelVersion: "gemini-x",
  responseId: "r1",
});
const gemSse = (chunks: Json[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join("");

interface Script {
  text(text: string): Answer;
  textStream(pieces: string[]): Answer;
  /** A tool call of `weather` (with signed thinking where the upstream has it). */
  toolStream(id: string, args: Json): Answer;
}

const anthropic: Script = {
  text: (text) => ({ json: { id: "msg_t", type: "message", role: "assistant", model: "claude", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 11, output_tokens: 3, cache_read_input_tokens: 4 } } }),
  textStream: (pieces) => ({
    sse: sse([
      { type: "message_start", message: { id: "msg_s", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 11, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      ...pieces.map((text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: pieces.length } },
      { type: "message_stop" },
    ], true),
  }),
  toolStream: (id, args) => ({
    sse: sse([
      { type: "message_start", message: { id: "msg_c", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Need the weather." } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "SIG-1" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id, name: "weather", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: JSON.stringify(args) } },
      { type: "content_block_stop", index: 1 },
      { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } },
      { type: "message_stop" },
    ], true),
  }),
};

const chat: Script = {
  text: (text) => ({ json: { id: "chatcmpl-t", object: "chat.completion", created: 1, model: "gpt", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14, prompt_tokens_details: { cached_tokens: 4 } } } }),
  textStream: (pieces) => ({
    sse: sse([
      { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      ...pieces.map((content) => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
      { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [], usage: { prompt_tokens: 11, completion_tokens: pieces.length, total_tokens: 11 + pieces.length } },
    ], false),
  }),
  toolStream: (id, args) => ({
    sse: sse([
      { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { role: "assistant", content: null, tool_calls: [{ index: 0, id, type: "function", function: { name: "weather", arguments: "" } }] }, finish_reason: null }] },
      { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: JSON.stringify(args) } }] }, finish_reason: null }] },
      { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
      { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [], usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 } },
    ], false),
  }),
};

const gemini: Script = {
  text: (text) => ({ json: gem([{ text }], { finish: "STOP", usage: { promptTokenCount: 11, candidatesTokenCount: 3, totalTokenCount: 14, cachedContentTokenCount: 4 } }) }),
  textStream: (pieces) => ({
    sse: gemSse(pieces.map((text, i) => gem([{ text }], i === pieces.length - 1 ? { finish: "STOP", usage: { promptTokenCount: 11, candidatesTokenCount: pieces.length, totalTokenCount: 11 + pieces.length } } : undefined))),
  }),
  toolStream: (_id, args) => ({
    sse: gemSse([
      gem([{ text: "Need the weather.", thought: true }]),
      gem([{ functionCall: { name: "weather", args, id: "call_w1" }, thoughtSignature: "GSIG" }], { finish: "STOP", usage: { promptTokenCount: 20, candidatesTokenCount: 9, totalTokenCount: 29 } }),
    ]),
  }),
};

/** An OpenAI Responses upstream's answers: the Anthropic script's, written as OpenAI would (the Responses encoder). */
const R = d["openai-responses"];
const A = d["anthropic-messages"];
const responses: Script = {
  text: (text) => ({ json: R.encodeResponse(A.decodeResponse((anthropic.text(text) as { json: unknown }).json), { model: "gpt-5" }) }),
  textStream: (pieces) => ({ sse: encodeEvents(R.streamEncoder({ model: "gpt-5" }), decodeSseText(A.streamDecoder(), (anthropic.textStream(pieces) as { sse: string }).sse)) }),
  toolStream: (id, args) => ({ sse: encodeEvents(R.streamEncoder({ model: "gpt-5" }), decodeSseText(A.streamDecoder(), (anthropic.toolStream(id, args) as { sse: string }).sse)) }),
};

const weatherParams = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } as const;

const UPSTREAMS = [
  { provider: "anthropic", script: anthropic, kept: true },
  { provider: "openai-compatible", script: chat, kept: true },
  { provider: "gemini", script: gemini, kept: true },
  { provider: "openai", script: responses, kept: false },
  { provider: "mock", script: undefined, kept: false },
] as const;

for (const { provider, script, kept } of UPSTREAMS) {
  describe(`Responses clients through the gateway → ${provider}`, () => {
    let h: Harness;
    let client: OpenAI;
    beforeAll(() => {
      h = startHarness(provider);
      client = h.openai;
    });
    afterAll(() => h.stop());
    const enqueue = (...answers: Answer[]) => h.upstream.enqueue(...answers);
    const sentUpstream = () => h.upstream.requests.at(-1)!;

    test("openai SDK responses.create: text and usage", async () => {
      if (script) enqueue(script.text("Bonjour"));
      const r = await client.responses.create({ model: "gpt-x", instructions: "Be French.", input: "Say hello", max_output_tokens: 50 });
      expect(r.status).toBe("completed");
      if (!script) {
        expect(r.output_text).toBe("Mock reply to: Say hello");
        return;
      }
      expect(r.output_text).toBe("Bonjour");
      expect(r.usage).toMatchObject({ output_tokens: 3, input_tokens_details: { cached_tokens: 4 } });
      expect(sentUpstream().text).toContain("Be French.");
      if (provider === "openai") {
        expect(sentUpstream().path).toBe("/v1/responses");
        // Passed through as the SDK wrote it.
        expect(sentUpstream().text).toBe(h.clientSent.at(-1)!);
      }
    });

    test("openai SDK responses.stream: the event helpers see every delta; the stream is well-formed", async () => {
      if (script) enqueue(script.textStream(["Hel", "lo", " there"]));
      const deltas: string[] = [];
      let raw = "";
      const stream = client.responses.stream({ model: "gpt-x", input: "Hi there" });
      stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
      stream.on("event", (e) => (raw += `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
      const final = await stream.finalResponse();
      expect(responsesViolation(raw)).toBeUndefined();
      expect(final.output_text).toBe(deltas.join(""));
      if (script) expect(deltas).toEqual(["Hel", "lo", " there"]);
      else expect(final.output_text).toBe("Mock reply to: Hi there");
    });

    test.skipIf(!script)("openai SDK: a function-calling loop; then a previous_response_id follow-up", async () => {
      enqueue(script!.toolStream("call_w1", { city: "Paris" }), script!.textStream(["Sunny", " in Paris."]), script!.text("You asked about Paris."));
      const tools = [{ type: "function" as const, name: "weather", description: "Weather for a city", parameters: weatherParams, strict: true }];
      const base = { model: "gpt-x", tools, reasoning: { effort: "low" as const, summary: "auto" as const } };
      const input: any[] = [{ role: "user", content: "Weather in Paris?" }];
      const first = await client.responses.stream({ ...base, input, store: false, include: ["reasoning.encrypted_content"] }).finalResponse();
      const call = first.output.find((o) => o.type === "function_call")!;
      // Gemini's signature rides in the call id (src/canonical/tool-call-id.ts).
      expect(call).toMatchObject({ name: "weather", call_id: provider === "gemini" ? "gsig5_bGSIG_call_w1" : "call_w1", arguments: '{"city":"Paris"}' });
      input.push(...first.output, { type: "function_call_output", call_id: call.call_id, output: '{"temp_c":21}' });
      const second = await client.responses.stream({ ...base, input }).finalResponse();
      expect(second.output_text).toBe("Sunny in Paris.");
      const loop = sentUpstream().body;
      if (provider === "anthropic") {
        // The signed thinking came back through the client's reasoning item, so thinking stays on for the tool loop.
        expect(loop.messages[1].content).toEqual([
          { type: "thinking", thinking: "Need the weather.", signature: "SIG-1" },
          { type: "tool_use", id: "call_w1", name: "weather", input: { city: "Paris" } },
        ]);
        expect(loop.messages[2].content).toEqual([{ type: "tool_result", tool_use_id: "call_w1", content: '{"temp_c":21}' }]);
        expect(loop.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
      } else if (provider === "gemini") {
        // Gemini's signature rode in the call id through the client and is back on the call.
        expect(loop.contents[1].parts).toEqual([{ functionCall: { name: "weather", args: { city: "Paris" }, id: "call_w1" }, thoughtSignature: "GSIG" }]);
        expect(loop.contents[2].parts[0]).toEqual({ functionResponse: { name: "weather", id: "call_w1", response: { result: '{"temp_c":21}' } } });
      } else if (provider === "openai-compatible") {
        expect(loop.messages.slice(1)).toEqual([
          { role: "assistant", content: null, tool_calls: [{ id: "call_w1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
          { role: "tool", tool_call_id: "call_w1", content: '{"temp_c":21}' },
        ]);
      } else expect(loop.input.at(-1)).toEqual({ type: "function_call_output", call_id: call.call_id, output: '{"temp_c":21}' });

      // The second answer was stored (the default): a follow-up names it instead of sending the conversation.
      const third = await client.responses.create({ model: "gpt-x", previous_response_id: second.id, input: "What did I ask?" });
      expect(third.output_text).toBe("You asked about Paris.");
      const follow = sentUpstream();
      if (kept) {
        // The gateway put the whole conversation back in: the first question, the call, its output, the answer.
        expect(follow.text).toContain("Weather in Paris?");
        expect(follow.text).toContain("temp_c");
        expect(follow.text).toContain("Sunny in Paris.");
        expect(follow.text).toContain("What did I ask?");
        const got = await client.responses.retrieve(second.id);
        expect(got.output_text).toBe("Sunny in Paris.");
      } else {
        // OpenAI keeps its own responses: the id goes to it as the client sent it.
        expect(follow.body.previous_response_id).toBe(second.id);
      }
    });

    test.skipIf(script !== undefined)("the mock keeps nothing: previous_response_id is OpenAI's 404", async () => {
      const first = await client.responses.create({ model: "gpt-x", input: "One" });
      const err = await client.responses.create({ model: "gpt-x", previous_response_id: first.id, input: "Two" }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect(err.code).toBe("previous_response_not_found");
    });

    const ai = () => createOpenAI({ apiKey: h.gatewayKey, baseURL: `${h.server.url}/v1` }).responses("gpt-4.1");
    const weather = {
      weather: tool({
        description: "Weather for a city",
        inputSchema: jsonSchema<{ city: string }>(weatherParams as never),
        execute: async ({ city }) => ({ city, temp_c: 21 }),
      }),
    };

    test("Vercel AI SDK generateText and streamText", async () => {
      if (script) enqueue(script.text("Bonjour"), script.textStream(["Hel", "lo"]));
      const r = await generateText({ model: ai(), system: "Be French.", prompt: "Say hello" });
      expect(r.text).toBe(script ? "Bonjour" : "Mock reply to: Say hello");
      expect(r.finishReason).toBe("stop");
      const s = streamText({ model: ai(), prompt: "Hi" });
      let text = "";
      for await (const t of s.textStream) text += t;
      expect(text).toBe(script ? "Hello" : "Mock reply to: Hi");
      expect(await s.finishReason).toBe("stop");
    });

    test.skipIf(!script)("Vercel AI SDK tool loop with its default store: true (earlier output sent back as item_reference)", async () => {
      enqueue(script!.toolStream("call_v1", { city: "Paris" }), script!.textStream(["Sunny."]));
      const r = streamText({ model: ai(), prompt: "Weather in Paris?", tools: weather, stopWhen: stepCountIs(3) });
      let text = "";
      for await (const t of r.textStream) text += t;
      expect(text).toBe("Sunny.");
      const loop = sentUpstream();
      expect(loop.text).toContain("temp_c");
      if (provider === "openai") {
        // An OpenAI upstream resolves its own item references.
        expect(loop.text).toContain("item_reference");
      } else {
        expect(loop.text).not.toContain("item_reference");
        // The reasoning item it referred to was kept with its state: Anthropic gets its signed thinking back.
        if (provider === "anthropic") expect(loop.body.messages[1].content[0]).toEqual({ type: "thinking", thinking: "Need the weather.", signature: "SIG-1" });
      }
    });
  });
}
