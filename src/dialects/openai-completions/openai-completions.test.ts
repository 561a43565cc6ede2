import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../errors.ts";
import { createDialects } from "../index.ts";
import { decodeSseText, encodeEvents } from "../shared/convert-sse-text.ts";
import { anthropicViolation, dataJson, sseEvents } from "../shared/sse-assertions.test-support.ts";

const d = createDialects();
const A = d["anthropic-messages"];
const O = d["openai-chat"];
const C = d["openai-completions"];
const fixture = (name: string) => Bun.file(`${import.meta.dir}/__fixtures__/${name}`);

describe("openai-completions", () => {
  test("request decode: one user message, integer logprobs, the legacy default of 16 tokens stated", async () => {
    const body = await fixture("request.json").json();
    const req = C.decodeRequest(body);
    expect(req).toMatchObject({ stream: true, includeUsage: true, logprobs: true, topLogprobs: 2, sessionKey: "u1", maxTokens: 7, temperature: 0, stop: ["\n"] });
    expect(req.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Say this is a test" }] }]);
    expect(req.extra).toEqual({ echo: false, suffix: null });
    const bare = C.decodeRequest({ model: "m", prompt: ["hello"] });
    expect(bare.maxTokens).toBe(16);
    expect(bare.messages).toEqual([{ role: "user", content: [{ type: "text", text: "hello" }] }]);
    // several prompts or token prompts have no chat form
    expect(C.decodeRequest({ model: "m", prompt: [[1, 2], [3]], max_tokens: 5 }).extra).toEqual({ prompt: [[1, 2], [3]] });
  });

  test("towards chat and Anthropic upstreams", async () => {
    const req = C.decodeRequest(await fixture("request.json").json());
    const adjusted: string[] = [];
    const chat = O.encodeRequest(req, { model: "gpt", defaultMaxTokens: 1, onAdjust: (f) => adjusted.push(f) });
    expect(chat).toEqual({ model: "gpt", messages: [{ role: "user", content: "Say this is a test" }], max_tokens: 7, temperature: 0, stop: ["\n"], logprobs: true, top_logprobs: 2, user: "u1", stream: true, stream_options: { include_usage: true } });
    expect(adjusted).toEqual(["echo", "suffix"]);
    expect(O.encodeRequest(req, { model: "gpt", defaultMaxTokens: 1, streamUsage: false }).stream_options).toBeUndefined();
    const streamed = O.decodeRequest({ model: "x", messages: [{ role: "user", content: "hi" }], stream: true });
    expect(C.encodeRequest(streamed, { model: "i", defaultMaxTokens: 5 }).stream_options).toEqual({ include_usage: true });
    expect(C.encodeRequest(streamed, { model: "i", defaultMaxTokens: 5, streamUsage: false }).stream_options).toBeUndefined();
    const anth = A.encodeRequest(req, { model: "claude", defaultMaxTokens: 1 }) as any;
    expect(anth).toMatchObject({ max_tokens: 7, messages: [{ role: "user", content: [{ type: "text", text: "Say this is a test" }] }], stop_sequences: ["\n"], metadata: { user_id: "u1" } });
    const multi = C.decodeRequest({ model: "m", prompt: ["a", "b"] });
    expect(() => O.encodeRequest(multi, { model: "gpt", defaultMaxTokens: 1 })).toThrow(GatewayError);
    // a chat request flattened for a completions-only upstream
    const flat = C.encodeRequest(O.decodeRequest({ model: "x", messages: [{ role: "system", content: "Be nice" }, { role: "user", content: "hi" }] }), { model: "inst", defaultMaxTokens: 50 }) as any;
    expect(flat).toEqual({ model: "inst", prompt: "System: Be nice\n\nUser: hi\n\nAssistant:", max_tokens: 50 });
  });

  test("responses both ways", async () => {
    const body = await fixture("response.json").json();
    const res = C.decodeResponse(body);
    expect(A.encodeResponse(res, { model: "x" })).toMatchObject({ content: [{ type: "text", text: "\n\nThis is indeed a test" }], stop_reason: "max_tokens", usage: { input_tokens: 5, output_tokens: 7 } });
    const fromChat = C.encodeResponse(O.decodeResponse({ id: "chatcmpl-1", created: 5, choices: [{ index: 0, message: { role: "assistant", content: "hey", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }), { model: "m" });
    expect(fromChat).toEqual({ id: "cmpl-chatcmpl-1", object: "text_completion", created: 5, model: "m", choices: [{ text: "hey", index: 0, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  });

  test("streams: completions -> completions, -> Anthropic; Anthropic -> completions", async () => {
    const src = await fixture("stream.sse").text();
    const events = decodeSseText(C.streamDecoder(), src);
    const same = encodeEvents(C.streamEncoder({ model: "gpt-3.5-turbo-instruct", includeUsage: true }), events);
    expect(dataJson(same)).toEqual(dataJson(src).filter((c: any) => c === "[DONE]" || c.choices.length === 0 || c.choices[0].text !== "" || c.choices[0].finish_reason));
    const anth = encodeEvents(A.streamEncoder({ model: "m" }), events);
    expect(anthropicViolation(anth)).toBeUndefined();
    expect(JSON.parse(sseEvents(anth).at(-2)!.data).delta.stop_reason).toBe("max_tokens");
    const fromAnth = encodeEvents(C.streamEncoder({ model: "m", created: 1 }), decodeSseText(A.streamDecoder(), await Bun.file(`${import.meta.dir}/../anthropic-messages/__fixtures__/tool-use-stream.sse`).text()));
    const chunks = dataJson(fromAnth);
    expect(chunks.at(-1)).toBe("[DONE]");
    expect(chunks.slice(0, -1).map((c: any) => [c.object, c.choices[0].text, c.choices[0].finish_reason])).toEqual([
      ["text_completion", "I", null], ["text_completion", "'ll check the current weather in Paris for you.", null], ["text_completion", "", "stop"],
    ]);
  });
});
