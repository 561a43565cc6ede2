/**
 * Real Responses clients over the converter alone: the openai SDK (`responses.create`, `responses.stream` and its
 * event helpers, a function-calling loop) and the Vercel AI SDK (`openai.responses(...)`: generateText,
 * streamText, a tool loop), through a fetch that does what the gateway's conversion does — decode the client's
 * body, encode it for an Anthropic or Chat upstream (checked by that dialect's own decoder), then turn a scripted
 * upstream answer back into the client's dialect. The HTTP route itself is tested with the server.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { createDialects } from "../index.ts";
import { decodeSseText, encodeEvents } from "../shared/convert-sse-text.ts";
import { responsesViolation } from "./stream-assertions.test-support.ts";

const d = createDialects();
// The AI SDK warns when reasoning comes without state (Gemini's thoughts): expected here, not worth a log line.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
const R = d["openai-responses"];
type Upstream = "anthropic-messages" | "openai-chat" | "gemini";
type Answer = { json: unknown } | { sse: string };
type Json = Record<string, any>;

const sse = (events: Json[], named: boolean) =>
  events.map((e) => (named ? `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n` : `data: ${JSON.stringify(e)}\n\n`)).join("") + (named ? "" : "data: [DONE]\n\n");

/** Upstream answers in each dialect: plain text, a tool call (with signed thinking from Anthropic), and streams of both. */
const gem = (parts: Json[], last?: { finish?: string; usage?: Json }) => ({
  candidates: [{ content: { role: "model", parts }, index: 0, ...(last?.finish ? { finishReason: last.finish } : {}) }],
  ...(last?.usage ? { usageMetadata: last.usage } : {}),
  modelVersion: "gemini-x",
  responseId: "r1",
});
const gemSse = (chunks: Json[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join("");

const answers = {
  "anthropic-messages": {
    text: (text: string): Answer => ({ json: { id: "msg_t", type: "message", role: "assistant", model: "claude", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 11, output_tokens: 3, cache_read_input_tokens: 4 } } }),
    textStream: (pieces: string[]): Answer => ({
      sse: sse([
        { type: "message_start", message: { id: "msg_s", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 11, output_tokens: 1 } } },
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        ...pieces.map((text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
        { type: "content_block_stop", index: 0 },
        { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: pieces.length } },
        { type: "message_stop" },
      ], true),
    }),
    toolStream: (id: string, args: Json): Answer => ({
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
  },
  gemini: {
    text: (text: string): Answer => ({ json: gem([{ text }], { finish: "STOP", usage: { promptTokenCount: 11, candidatesTokenCount: 3, totalTokenCount: 14, cachedContentTokenCount: 4 } }) }),
    textStream: (pieces: string[]): Answer => ({
      sse: gemSse(pieces.map((text, i) => gem([{ text }], i === pieces.length - 1 ? { finish: "STOP", usage: { promptTokenCount: 11, candidatesTokenCount: pieces.length, totalTokenCount: 11 + pieces.length } } : undefined))),
    }),
    toolStream: (_id: string, args: Json): Answer => ({
      sse: gemSse([
        gem([{ text: "Need the weather.", thought: true }]),
        gem([{ functionCall: { name: "weather", args, id: "call_w1" }, thoughtSignature: "GSIG" }], { finish: "STOP", usage: { promptTokenCount: 20, candidatesTokenCount: 9, totalTokenCount: 29 } }),
      ]),
    }),
  },
  "openai-chat": {
    text: (text: string): Answer => ({ json: { id: "chatcmpl-t", object: "chat.completion", created: 1, model: "gpt", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14, prompt_tokens_details: { cached_tokens: 4 } } } }),
    textStream: (pieces: string[]): Answer => ({
      sse: sse([
        { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
        ...pieces.map((content) => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
        { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
        { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [], usage: { prompt_tokens: 11, completion_tokens: pieces.length, total_tokens: 11 + pieces.length } },
      ], false),
    }),
    toolStream: (id: string, args: Json): Answer => ({
      sse: sse([
        { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { role: "assistant", content: null, tool_calls: [{ index: 0, id, type: "function", function: { name: "weather", arguments: "" } }] }, finish_reason: null }] },
        { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: JSON.stringify(args) } }] }, finish_reason: null }] },
        { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
        { id: "c2", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [], usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 } },
      ], false),
    }),
  },
};

/** The conversion path as a fetch: records each upstream body, answers from the script in order. */
function converting(upstream: Upstream, script: Answer[]) {
  const sent: Json[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body));
    const req = R.decodeRequest(body);
    const up = JSON.parse(JSON.stringify(d[upstream].encodeRequest(req, { model: "upstream-model", defaultMaxTokens: 4096 })));
    d[upstream].decodeRequest(up, upstream === "gemini" ? { model: "upstream-model", stream: req.stream } : undefined); // the upstream's own dialect accepts it
    sent.push(up);
    const answer = script.shift();
    if (!answer) throw new Error("no scripted answer left");
    const ctx = { model: body.model, request: req };
    if ("sse" in answer) {
      const text = encodeEvents(R.streamEncoder(ctx), decodeSseText(d[upstream].streamDecoder(), answer.sse));
      expect(responsesViolation(text)).toBeUndefined();
      return new Response(text, { headers: { "content-type": "text/event-stream" } });
    }
    return Response.json(R.encodeResponse(d[upstream].decodeResponse(answer.json), ctx));
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const weatherParams = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } as const;

for (const upstream of ["anthropic-messages", "openai-chat", "gemini"] as const) {
  const a = answers[upstream];
  describe(`openai SDK → Responses → ${upstream}`, () => {
    test("responses.create: text, usage", async () => {
      const { fetch, sent } = converting(upstream, [a.text("Bonjour")]);
      const client = new OpenAI({ apiKey: "k", baseURL: "http://gw.invalid/v1", fetch });
      const r = await client.responses.create({ model: "gpt-x", instructions: "Be French.", input: "Say hello", max_output_tokens: 50 });
      expect(r.output_text).toBe("Bonjour");
      expect(r.status).toBe("completed");
      expect(r.usage).toMatchObject({ input_tokens: upstream === "anthropic-messages" ? 15 : 11, output_tokens: 3, input_tokens_details: { cached_tokens: 4 } });
      expect(JSON.stringify(sent[0])).toContain("Be French.");
    });

    test("responses.stream: the event helpers see every delta; finalResponse is whole", async () => {
      const { fetch } = converting(upstream, [a.textStream(["Hel", "lo", " there"])]);
      const client = new OpenAI({ apiKey: "k", baseURL: "http://gw.invalid/v1", fetch });
      const deltas: string[] = [];
      const stream = client.responses.stream({ model: "gpt-x", input: "Hi" });
      stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      expect(deltas).toEqual(["Hel", "lo", " there"]);
      expect(final.output_text).toBe("Hello there");
      expect(final.usage?.output_tokens).toBe(3);
    });

    test("a function-calling loop, reasoning state sent back as Codex does (store: false + include)", async () => {
      const { fetch, sent } = converting(upstream, [a.toolStream("call_w1", { city: "Paris" }), a.textStream(["Sunny", " in Paris."])]);
      const client = new OpenAI({ apiKey: "k", baseURL: "http://gw.invalid/v1", fetch });
      const tools = [{ type: "function" as const, name: "weather", description: "Weather for a city", parameters: weatherParams, strict: true }];
      const base = { model: "gpt-x", tools, store: false, include: ["reasoning.encrypted_content" as const], reasoning: { effort: "low" as const, summary: "auto" as const } };
      const input: any[] = [{ role: "user", content: "Weather in Paris?" }];
      const first = await client.responses.stream({ ...base, input }).finalResponse();
      const call = first.output.find((o) => o.type === "function_call")!;
      // Gemini's signature rides in the call id (src/canonical/tool-call-id.ts).
      expect(call).toMatchObject({ name: "weather", call_id: upstream === "gemini" ? "gsig5_bGSIG_call_w1" : "call_w1", arguments: '{"city":"Paris"}' });
      input.push(...first.output, { type: "function_call_output", call_id: call.call_id, output: '{"temp_c":21}' });
      const second = await client.responses.stream({ ...base, input }).finalResponse();
      expect(second.output_text).toBe("Sunny in Paris.");
      const again = sent[1]!;
      if (upstream === "anthropic-messages") {
        // The signed thinking came back through the client, so thinking stays on for the tool loop.
        expect(again.messages[1].content).toEqual([
          { type: "thinking", thinking: "Need the weather.", signature: "SIG-1" },
          { type: "tool_use", id: "call_w1", name: "weather", input: { city: "Paris" } },
        ]);
        expect(again.messages[2].content).toEqual([{ type: "tool_result", tool_use_id: "call_w1", content: '{"temp_c":21}' }]);
        expect(again.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
      } else if (upstream === "gemini") {
        // Gemini's signature rode in the call id through the client and is back on the call.
        expect(again.contents[1].parts).toEqual([{ functionCall: { name: "weather", args: { city: "Paris" }, id: "call_w1" }, thoughtSignature: "GSIG" }]);
        expect(again.contents[2].parts[0]).toEqual({ functionResponse: { name: "weather", id: "call_w1", response: { result: '{"temp_c":21}' } } });
      } else {
        expect(again.messages.slice(1)).toEqual([
          { role: "assistant", content: null, tool_calls: [{ id: "call_w1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
          { role: "tool", tool_call_id: "call_w1", content: '{"temp_c":21}' },
        ]);
      }
    });
  });

  describe(`Vercel AI SDK openai.responses → ${upstream}`, () => {
    const weather = {
      weather: tool({
        description: "Weather for a city",
        inputSchema: jsonSchema<{ city: string }>(weatherParams as never),
        execute: async ({ city }) => ({ city, temp_c: 21 }),
      }),
    };

    test("generateText", async () => {
      const { fetch } = converting(upstream, [a.text("Bonjour")]);
      const model = createOpenAI({ apiKey: "k", baseURL: "http://gw.invalid/v1", fetch }).responses("gpt-4.1");
      const r = await generateText({ model, system: "Be French.", prompt: "Say hello" });
      expect(r.text).toBe("Bonjour");
      expect(r.finishReason).toBe("stop");
      expect(r.usage.outputTokens).toBe(3);
    });

    test("streamText", async () => {
      const { fetch } = converting(upstream, [a.textStream(["Hel", "lo"])]);
      const model = createOpenAI({ apiKey: "k", baseURL: "http://gw.invalid/v1", fetch }).responses("gpt-4.1");
      const r = streamText({ model, prompt: "Hi" });
      let text = "";
      for await (const t of r.textStream) text += t;
      expect(text).toBe("Hello");
      expect(await r.finishReason).toBe("stop");
    });

    test("a tool loop (store: false, the items and the reasoning state go back in full)", async () => {
      const { fetch, sent } = converting(upstream, [a.toolStream("call_v1", { city: "Paris" }), a.textStream(["Sunny."])]);
      const model = createOpenAI({ apiKey: "k", baseURL: "http://gw.invalid/v1", fetch }).responses("gpt-4.1");
      const r = streamText({ model, prompt: "Weather in Paris?", tools: weather, stopWhen: stepCountIs(3), providerOptions: { openai: { store: false, include: ["reasoning.encrypted_content"] } } });
      let text = "";
      for await (const t of r.textStream) text += t;
      expect(text).toBe("Sunny.");
      expect(sent).toHaveLength(2);
      expect(JSON.stringify(sent[1])).toContain('{\\"city\\":\\"Paris\\",\\"temp_c\\":21}');
      if (upstream === "anthropic-messages") expect(sent[1]!.messages[1].content[0]).toEqual({ type: "thinking", thinking: "Need the weather.", signature: "SIG-1" });
    });
  });
}
