/**
 * `POST /v1/responses` and its companions through the app: routing by the routed model (responses_models),
 * passthrough to a Responses upstream, conversion for the others with the answer kept for follow-ups
 * (previous_response_id, item_reference, GET/DELETE by id, per key), OpenAI's error shapes, the 426 Codex expects.
 */
import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../../src/config/schema.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { responsesViolation } from "../../src/dialects/openai-responses/stream-assertions.test-support.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

type Json = Record<string, any>;
interface Sent {
  url: string;
  body: Json;
  text: string;
}

/** A fake upstream answering from a script (JSON bodies or SSE text), recording what it was sent. */
function scripted(answers: (Json | { sse: string } | { status: number; json: Json })[]) {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const text = init.body as string;
    sent.push({ url, body: JSON.parse(text), text });
    const a = answers.shift();
    if (!a) throw new Error("no scripted answer left");
    if ("sse" in a) return new Response(a.sse as string, { headers: { "content-type": "text/event-stream" } });
    if ("status" in a && "json" in a) return Response.json(a.json, { status: a.status as number });
    return Response.json(a);
  }) as unknown as FetchFn;
  return { fetch, sent };
}

const anthropicText = (text: string) => ({
  id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [{ type: "text", text }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 2 },
});
const anthropicSse = (...events: Json[]) => ({ sse: events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("") });
const anthropicThinkingTool = anthropicSse(
  { type: "message_start", message: { id: "msg_t", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } },
  { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Look it up." } },
  { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "SIG" } },
  { type: "content_block_stop", index: 0 },
  { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "lookup", input: {} } },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"q":"x"}' } },
  { type: "content_block_stop", index: 1 },
  { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 7 } },
  { type: "message_stop" },
);

function setup(accounts: UpstreamAccount[], answers: Parameters<typeof scripted>[0]) {
  const k = testKey();
  const other = testKey();
  const { fetch, sent } = scripted(answers);
  const credentials = Object.fromEntries(accounts.map((a) => [a.id, "sk-up"]));
  const t = testApp(testConfig({ gateway_keys: [k.key, other.key], upstream_accounts: accounts }), { fetch, credentials });
  const as = (key: string) => (path: string, init: RequestInit & { json?: unknown } = {}) =>
    t.request(path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
  return { sent, call: as(k.raw), otherKey: as(other.raw) };
}

const anthropicAccount = () => testAccount({ provider: "anthropic", base_url: "http://anthropic.test" });

describe("POST /v1/responses", () => {
  test("the mock answers Responses clients, plain and streamed", async () => {
    const { call } = setup([testAccount()], []);
    const plain = await call("/v1/responses", { json: { model: "mock-1", input: "Hello" } });
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as Json).output[0].content[0].text).toBe("Mock reply to: Hello");
    const streamed = await call("/v1/responses", { json: { model: "mock-1", input: "Hello", stream: true } });
    expect(streamed.headers.get("content-type")).toStartWith("text/event-stream");
    const text = await streamed.text();
    expect(responsesViolation(text)).toBeUndefined();
    expect(text).toContain("event: response.completed");
  });

  test("bad input is a 400 in OpenAI's shape naming the field; GET is a 426 for Codex's WebSocket try", async () => {
    const { call } = setup([anthropicAccount()], []);
    const bad = await call("/v1/responses", { json: { model: "m", input: [{ role: "robot", content: "x" }] } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error", param: "input[0].role" } });
    const ws = await call("/v1/responses", { headers: { upgrade: "websocket", connection: "Upgrade" } });
    expect(ws.status).toBe(426);
    expect(((await ws.json()) as Json).error.message).toContain("POST /v1/responses");
    expect(ws.headers.get("x-request-id")).toBeTruthy();
  });

  test("documented in /swagger: the route, its 426 and the kept responses by id", async () => {
    const { call } = setup([testAccount()], []);
    const doc = (await (await call("/swagger/json")).json()) as Json;
    expect(Object.keys(doc.paths["/v1/responses"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/v1/responses/{id}"]).sort()).toEqual(["delete", "get"]);
  });

  test("an OpenAI account: Responses clients are piped byte for byte; responses_models sends Chat clients there converted", async () => {
    const account = testAccount({ provider: "openai", base_url: "http://openai.test/v1", responses_models: ["gpt-5*"] });
    const upstreamAnswer = { id: "resp_up", object: "response", status: "completed", model: "gpt-5", output: [{ id: "msg_up", type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Hi", annotations: [] }] }], usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 } };
    const { call, sent } = setup([account], [upstreamAnswer, upstreamAnswer, upstreamAnswer]);
    const raw = '{"model":"gpt-5",  "input":"Hi", "previous_response_id":"resp_openai_kept","store":true}';
    const piped = await call("/v1/responses", { body: raw, method: "POST", headers: { "content-type": "application/json" } });
    expect(piped.status).toBe(200);
    expect(sent[0]!.url).toBe("http://openai.test/v1/responses");
    expect(sent[0]!.text).toBe(raw);
    expect(JSON.parse(await piped.text())).toEqual(upstreamAnswer);
    // A Chat client of a model listed in responses_models reaches the Responses API converted.
    const chat = await call("/v1/chat/completions", { json: { model: "gpt-5", messages: [{ role: "user", content: "Hi" }] } });
    expect(chat.status).toBe(200);
    expect(sent[1]!.url).toBe("http://openai.test/v1/responses");
    expect(sent[1]!.body).toMatchObject({ model: "gpt-5", input: [{ role: "user", content: "Hi" }], store: false });
    expect(((await chat.json()) as Json).choices[0].message.content).toBe("Hi");
    // Another model of the same account stays on Chat Completions.
    await call("/v1/chat/completions", { json: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] } });
    expect(sent[2]!.url).toBe("http://openai.test/v1/chat/completions");
  });
});

describe("responses the gateway keeps (converted upstreams)", () => {
  test("kept unless store: false; GET and DELETE by id for the key that made it only", async () => {
    const { call, otherKey } = setup([anthropicAccount()], [anthropicText("First"), anthropicText("Second")]);
    const first = (await (await call("/v1/responses", { json: { model: "claude-x", input: "One" } })).json()) as Json;
    expect(first.store).toBe(true);
    const got = await call(`/v1/responses/${first.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(first);
    const foreign = await otherKey(`/v1/responses/${first.id}`);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as Json).error.type).toBe("invalid_request_error");
    expect((await otherKey(`/v1/responses/${first.id}`, { method: "DELETE" })).status).toBe(404);
    const deleted = await call(`/v1/responses/${first.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: first.id, object: "response", deleted: true });
    expect((await call(`/v1/responses/${first.id}`)).status).toBe(404);

    const unkept = (await (await call("/v1/responses", { json: { model: "claude-x", input: "Two", store: false } })).json()) as Json;
    expect(unkept.store).toBe(false);
    expect((await call(`/v1/responses/${unkept.id}`)).status).toBe(404);
  });

  test("previous_response_id: the kept conversation goes upstream before the new input, instructions not carried over", async () => {
    const { call, sent, otherKey } = setup([anthropicAccount()], [anthropicThinkingTool, anthropicText("It is x.")]);
    const tools = [{ type: "function", name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }];
    const streamed = await call("/v1/responses", { json: { model: "claude-x", instructions: "Be terse.", input: "Find x", tools, stream: true, reasoning: { effort: "low" } } });
    const text = await streamed.text();
    expect(responsesViolation(text)).toBeUndefined();
    const done = JSON.parse(text.split("\n").findLast((l) => l.startsWith("data: "))!.slice(6));
    expect(done.type).toBe("response.completed");
    const call1 = done.response.output.find((o: Json) => o.type === "function_call");
    // The client asked for no reasoning state; the gateway keeps it anyway, so the signed thinking goes back.
    expect(done.response.output[0]).not.toHaveProperty("encrypted_content");

    const follow = { model: "claude-x", previous_response_id: done.response.id, input: [{ type: "function_call_output", call_id: call1.call_id, output: "x=42" }], tools, reasoning: { effort: "low" } };
    const second = (await (await call("/v1/responses", { json: follow })).json()) as Json;
    expect(second.output[0].content[0].text).toBe("It is x.");
    expect(second.previous_response_id).toBeNull();
    const up = sent[1]!.body;
    expect(up.system).toBeUndefined();
    expect(up.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Find x" }] },
      { role: "assistant", content: [{ type: "thinking", thinking: "Look it up.", signature: "SIG" }, { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "x=42" }] },
    ]);
    // The second answer is kept with the whole conversation: a third turn would see all of it.
    expect((await call(`/v1/responses/${second.id}`)).status).toBe(200);
    // Another key cannot continue it.
    const foreign = await otherKey("/v1/responses", { json: { ...follow, previous_response_id: second.id } });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as Json).error).toMatchObject({ param: "previous_response_id", code: "previous_response_not_found" });
  });

  test("item_reference items are resolved from the kept output; unknown ones are refused towards non-OpenAI upstreams", async () => {
    const { call, sent } = setup([anthropicAccount()], [anthropicText("Paris."), anthropicText("Yes.")]);
    const first = (await (await call("/v1/responses", { json: { model: "claude-x", input: "Capital of France?" } })).json()) as Json;
    const msgId = first.output[0].id;
    const input = [{ role: "user", content: "Capital of France?" }, { type: "item_reference", id: msgId }, { role: "user", content: "Sure?" }];
    const second = await call("/v1/responses", { json: { model: "claude-x", input } });
    expect(second.status).toBe(200);
    expect(sent[1]!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Capital of France?" }] },
      { role: "assistant", content: [{ type: "text", text: "Paris." }] },
      { role: "user", content: [{ type: "text", text: "Sure?" }] },
    ]);
    const unknown = await call("/v1/responses", { json: { model: "claude-x", input: [{ type: "item_reference", id: "msg_nobody" }] } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Json).error.param).toBe("input[0]");
  });

  test("an unknown previous_response_id is OpenAI's 404", async () => {
    const { call, sent } = setup([anthropicAccount()], []);
    const res = await call("/v1/responses", { json: { model: "claude-x", input: "x", previous_response_id: "resp_unknown" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", param: "previous_response_id", code: "previous_response_not_found" } });
    expect(sent).toHaveLength(0);
  });
});

describe("converted stream failures", () => {
  test("an upstream stream cut after the first event ends in response.failed through the encoder, never a completion", async () => {
    const cut = anthropicSse(
      { type: "message_start", message: { id: "msg_c", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Half" } },
    );
    const { call } = setup([anthropicAccount()], [cut]);
    const text = await (await call("/v1/responses", { json: { model: "claude-x", input: "x", stream: true } })).text();
    expect(responsesViolation(text)).toBeUndefined();
    const events = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
    expect(events.map((e) => e.type).slice(-2)).toEqual(["error", "response.failed"]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.some((e) => e.type === "response.completed")).toBe(false);
  });
});
