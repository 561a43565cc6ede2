/**
 * Failure paths with the official SDKs: upstream HTTP errors keep their status and message in the client's
 * dialect (src/dialects/README.md "Errors"); a failure after the stream started becomes the dialect's error
 * event and ends the stream, never a fake finish; a client that
 * disconnects aborts the upstream request at once (the fake upstream sees its connection close).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { anthropicSse, chunk, type Harness, openaiSse, startHarness } from "./harness.ts";

let toAnthropic: Harness; // upstream speaks Anthropic Messages
let toOpenAI: Harness; // upstream speaks OpenAI Chat
beforeAll(() => {
  toAnthropic = startHarness("anthropic");
  toOpenAI = startHarness("openai");
});
afterAll(async () => {
  await toAnthropic.stop();
  await toOpenAI.stop();
});
beforeEach(() => {
  toAnthropic.upstream.clearQueue();
  toOpenAI.upstream.clearQueue();
});

async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail, it succeeded");
}

const anthropicError = (type: string, message: string) => ({ type: "error", error: { type, message }, request_id: "req_err_1" });
const openaiError = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

const messageStart = (model = "claude-sonnet-4-5") => ({
  type: "message_start",
  message: { id: "msg_01Err", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } },
});
const textStart = { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } };
const textDelta = (text: string) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } });

describe("upstream HTTP errors keep status and message, in the client's dialect", () => {
  const cases: { status: number; type: string; message: string; openaiStatus: number[]; check(err: InstanceType<typeof OpenAI.APIError>): void }[] = [
    {
      status: 400,
      type: "invalid_request_error",
      message: "messages.0.content.0.text: text content blocks must be non-empty",
      openaiStatus: [400],
      check: (e) => expect(e.type).toBe("invalid_request_error"),
    },
    {
      status: 401,
      type: "authentication_error",
      message: "invalid x-api-key",
      openaiStatus: [401],
      // An Anthropic 401 is invalid_request_error / invalid_api_key for OpenAI clients.
      check: (e) => expect([e.type, e.code]).toSatisfy((v) => v.includes("invalid_api_key") || v.includes("authentication_error")),
    },
    {
      status: 429,
      type: "rate_limit_error",
      message: "Number of request tokens has exceeded your per-minute rate limit",
      openaiStatus: [429],
      check: (e) => {
        expect([e.type, e.code]).toContain("rate_limit_exceeded");
        // retry-after is copied.
        expect(e.headers?.get("retry-after")).toBe("17");
      },
    },
    {
      status: 404,
      type: "not_found_error",
      message: "model: claude-nonexistent",
      openaiStatus: [404],
      // An Anthropic 404 is invalid_request_error / model_not_found for OpenAI clients.
      check: (e) => {
        expect(e.type).toBe("invalid_request_error");
        expect(e.code).toBe("model_not_found");
      },
    },
    {
      status: 529,
      type: "overloaded_error",
      message: "Overloaded",
      // 529 becomes 503 (what OpenAI clients and load balancers expect).
      openaiStatus: [503, 529],
      check: (e) => expect(e.type).toBe("server_error"),
    },
    {
      status: 500,
      type: "api_error",
      message: "Internal server error",
      openaiStatus: [500],
      check: (e) => expect(e.type).toBe("server_error"),
    },
  ];

  for (const c of cases) {
    test(`Anthropic upstream ${c.status} ${c.type} -> OpenAI client`, async () => {
      toAnthropic.upstream.enqueue({ status: c.status, json: anthropicError(c.type, c.message), headers: c.status === 429 ? { "retry-after": "17" } : {} });
      const err = await thrown(toAnthropic.openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] }));
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(c.openaiStatus).toContain(err.status);
      // The provider's message reaches the client unchanged, in OpenAI's error body.
      expect((err.error as any)?.message).toBe(c.message);
      c.check(err);
    });
  }

  test("Anthropic upstream 400 'prompt is too long' -> OpenAI code context_length_exceeded", async () => {
    toAnthropic.upstream.enqueue({ status: 400, json: anthropicError("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum") });
    const err = await thrown(toAnthropic.openai.chat.completions.create({ model: "c", messages: [{ role: "user", content: "hi" }] }));
    expect(err.status).toBe(400);
    expect(err.code).toBe("context_length_exceeded");
    expect((err.error as any).message).toBe("prompt is too long: 210000 tokens > 200000 maximum");
  });

  const reverse: { status: number; body: unknown; type: string; statuses: number[] }[] = [
    { status: 400, body: openaiError("Invalid value for 'temperature'", "invalid_request_error", null), type: "invalid_request_error", statuses: [400] },
    { status: 401, body: openaiError("Incorrect API key provided: sk-...", "invalid_request_error", "invalid_api_key"), type: "authentication_error", statuses: [401] },
    // OpenAI's own 404 for an unknown model carries type invalid_request_error, code model_not_found.
    { status: 404, body: openaiError("The model `gpt-5-turbo` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"), type: "not_found_error", statuses: [404] },
    { status: 403, body: openaiError("Country, region, or territory not supported", "permission_error", null), type: "permission_error", statuses: [403] },
    { status: 429, body: openaiError("Rate limit reached for gpt-4o", "requests", "rate_limit_exceeded"), type: "rate_limit_error", statuses: [429] },
    { status: 500, body: openaiError("The server had an error while processing your request.", "server_error", null), type: "api_error", statuses: [500] },
    // 503 -> overloaded_error with status 529, which the Anthropic SDK retries with its own policy.
    { status: 503, body: openaiError("The engine is currently overloaded", "server_error", null), type: "overloaded_error", statuses: [503, 529] },
  ];
  for (const c of reverse) {
    test(`OpenAI upstream ${c.status} -> Anthropic client ${c.type}`, async () => {
      toOpenAI.upstream.enqueue({ status: c.status, json: c.body, headers: c.status === 429 ? { "retry-after": "20" } : {} });
      const err = await thrown(toOpenAI.anthropic.messages.create({ model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }));
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect(c.statuses).toContain(err.status);
      // Always {"type":"error","error":{"type":…,"message":…}}.
      expect((err.error as any).type).toBe("error");
      expect(err.type).toBe(c.type);
      expect(err.apiMessage).toBe((c.body as any).error.message);
      if (c.status === 429) expect(err.headers.get("retry-after")).toBe("20");
    });
  }

  test("same dialect: Anthropic 529 overloaded reaches the Anthropic client as 529 with its type and message", async () => {
    toAnthropic.upstream.enqueue({ status: 529, json: anthropicError("overloaded_error", "Overloaded"), headers: { "request-id": "req_529" } });
    const err = await thrown(toAnthropic.anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }));
    expect(err.status).toBe(529);
    expect(err.type).toBe("overloaded_error");
    expect(err.apiMessage).toBe("Overloaded");
    expect(err.headers.get("request-id")).toBe("req_529");
  });

  test("same dialect: Anthropic 429 keeps retry-after, request-id and the rate-limit headers", async () => {
    toAnthropic.upstream.enqueue({
      status: 429,
      json: anthropicError("rate_limit_error", "This request would exceed your organization's rate limit"),
      headers: { "retry-after": "30", "request-id": "req_429", "anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:30Z" },
    });
    const err = await thrown(toAnthropic.anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }));
    expect(err.status).toBe(429);
    expect(err.type).toBe("rate_limit_error");
    expect(err.apiMessage).toBe("This request would exceed your organization's rate limit");
    expect(err.headers.get("retry-after")).toBe("30");
    expect(err.headers.get("request-id")).toBe("req_429");
    expect(err.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(err.headers.get("anthropic-ratelimit-requests-reset")).toBe("2026-01-01T00:00:30Z");
  });

  test("same dialect: OpenAI 429 keeps status, message, code, retry-after and x-ratelimit headers", async () => {
    const h = startHarness("openai-compatible");
    try {
      h.upstream.enqueue({
        status: 429,
        json: openaiError("Rate limit reached for gpt-4o in organization org-x on requests per min", "requests", "rate_limit_exceeded"),
        headers: { "retry-after": "2", "x-ratelimit-remaining-requests": "0" },
      });
      const err = await thrown(h.openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
      expect(err.status).toBe(429);
      expect(err.code).toBe("rate_limit_exceeded");
      expect((err.error as any).message).toBe("Rate limit reached for gpt-4o in organization org-x on requests per min");
      expect(err.headers.get("retry-after")).toBe("2");
      expect(err.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    } finally {
      await h.stop();
    }
  });
});

describe("a failure after the stream started is the dialect's error event, never a fake finish", () => {
  test("Anthropic upstream `event: error` mid-stream -> OpenAI client: error chunk, no finish_reason, stream ends", async () => {
    toAnthropic.upstream.enqueue({
      sse: anthropicSse(messageStart(), textStart, textDelta("Partial"), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    });
    const stream = toAnthropic.openai.chat.completions.stream({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }], stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => void chunks.push(c));
    const err = await thrown(stream.finalChatCompletion());
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain("Overloaded");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Partial");
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason !== null)).toEqual([]);
    expect(chunks.filter((c) => c.usage)).toEqual([]);

    // On the wire: an OpenAI error data line, no finish_reason ever, and the stream is over after it.
    toAnthropic.upstream.enqueue({
      sse: anthropicSse(messageStart(), textStart, textDelta("Partial"), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    });
    const raw = await (await rawPost(toAnthropic, "/v1/chat/completions", { model: "c", stream: true, messages: [{ role: "user", content: "hi" }] })).text();
    const events = raw.split("\n\n").filter((e) => e.trim());
    const errorAt = events.findIndex((e) => e.startsWith("data: {\"error\""));
    expect(errorAt).toBeGreaterThan(0);
    expect(JSON.parse(events[errorAt]!.slice(6)).error.message).toBe("Overloaded");
    expect(events.slice(errorAt + 1).filter((e) => e !== "data: [DONE]")).toEqual([]);
    expect(raw).not.toMatch(/"finish_reason":"(stop|length|tool_calls)"/);
  });

  test("Anthropic upstream cut short (no message_stop) -> OpenAI client gets an error, not finish_reason stop", async () => {
    toAnthropic.upstream.enqueue({ sse: anthropicSse(messageStart(), textStart, textDelta("Half a sen")) });
    const stream = toAnthropic.openai.chat.completions.stream({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => void chunks.push(c));
    const err = await thrown(stream.finalChatCompletion());
    expect(err).toBeInstanceOf(OpenAI.OpenAIError);
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason !== null)).toEqual([]);
  });

  test("OpenAI upstream error chunk mid-stream -> Anthropic client: `event: error`, no message_delta stop", async () => {
    toOpenAI.upstream.enqueue({
      sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Partial" }), { error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null } }], false),
    });
    const stream = toOpenAI.anthropic.messages.stream({ model: "gpt-4o", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => void events.push(e));
    const err = await thrown(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect(String(err.message)).toContain("The server had an error while processing your request.");
    expect(events.filter((e) => e.type === "message_delta" || e.type === "message_stop")).toEqual([]);

    // On the wire: open block closed, then `event: error` with an Anthropic error type, then nothing.
    toOpenAI.upstream.enqueue({
      sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Partial" }), { error: { message: "boom", type: "server_error", param: null, code: null } }], false),
    });
    const raw = await (await rawPost(toOpenAI, "/v1/messages", { model: "gpt-4o", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] })).text();
    const names = [...raw.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(names[names.length - 1]).toBe("error");
    expect(names).not.toContain("message_delta");
    expect(names).not.toContain("message_stop");
    const errData = JSON.parse(raw.split("event: error\ndata: ")[1]!.split("\n")[0]!);
    expect(errData).toMatchObject({ type: "error", error: { type: "api_error", message: "boom" } });
    // Pitfall 9: every started block is stopped before the error.
    const starts = (raw.match(/event: content_block_start/g) ?? []).length;
    expect((raw.match(/event: content_block_stop/g) ?? []).length).toBe(starts);
  });

  test("OpenAI upstream cut short (no finish, no [DONE]) -> Anthropic client gets an error, not end_turn", async () => {
    toOpenAI.upstream.enqueue({ sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Half a sen" })], false) });
    const stream = toOpenAI.anthropic.messages.stream({ model: "gpt-4o", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => void events.push(e));
    const err = await thrown(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect(events.filter((e) => e.type === "message_delta")).toEqual([]);
  });

  test("passthrough Anthropic: upstream cut mid-stream -> the client gets an appended `event: error`", async () => {
    toAnthropic.upstream.enqueue({ sse: anthropicSse(messageStart(), textStart, textDelta("Half")) });
    const stream = toAnthropic.anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => void events.push(e));
    const err = await thrown(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect(events.filter((e) => e.type === "message_delta")).toEqual([]);

    toAnthropic.upstream.enqueue({ sse: anthropicSse(messageStart(), textStart, textDelta("Half")) });
    const raw = await (await rawPost(toAnthropic, "/v1/messages", { model: "c", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] })).text();
    expect(raw.startsWith(anthropicSse(messageStart(), textStart, textDelta("Half")))).toBe(true);
    expect(raw).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"[^"]+"\}\}\n\n$/);
  });

  test("passthrough Anthropic: the upstream's own `event: error` reaches the client and fails finalMessage()", async () => {
    toAnthropic.upstream.enqueue({ sse: anthropicSse(messageStart(), textStart, textDelta("Par"), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }) });
    const err = await thrown(toAnthropic.anthropic.messages.stream({ model: "c", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String(err.message)).toContain("Overloaded");
  });

  test("passthrough OpenAI: upstream cut mid-stream -> an error data line is appended, the SDK raises", async () => {
    const h = startHarness("openai-compatible");
    try {
      h.upstream.enqueue({ sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Half" })], false) });
      const stream = h.openai.chat.completions.stream({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      stream.on("chunk", (c) => void chunks.push(c));
      const err = await thrown(stream.finalChatCompletion());
      expect(err).toBeInstanceOf(OpenAI.OpenAIError);
      expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason !== null)).toEqual([]);

      h.upstream.enqueue({ sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Half" })], false) });
      const raw = await (await rawPost(h, "/v1/chat/completions", { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] })).text();
      expect(raw.startsWith(openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Half" })], false))).toBe(true);
      expect(raw).toMatch(/data: \{"error":\{[^\n]*\}\}\n\n(data: \[DONE\]\n\n)?$/);
    } finally {
      await h.stop();
    }
  });
});

describe("a client that disconnects aborts the upstream request at once", () => {
  test("converted stream (OpenAI client -> Anthropic upstream): upstream connection closed", async () => {
    const before = toAnthropic.upstream.closedByPeer;
    toAnthropic.upstream.enqueue({ sse: anthropicSse(messageStart(), textStart, textDelta("Hello")), hang: true });
    const stream = await toAnthropic.openai.chat.completions.create({ model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "hi" }] });
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) break; // leaving the loop aborts the SDK's request
    }
    await toAnthropic.upstream.waitForPeerClose(before + 1);
    expect(toAnthropic.upstream.closedByPeer).toBe(before + 1);
  });

  test("converted stream (Anthropic client -> OpenAI upstream): upstream connection closed", async () => {
    const before = toOpenAI.upstream.closedByPeer;
    toOpenAI.upstream.enqueue({ sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Hello" })], false), hang: true });
    const stream = toOpenAI.anthropic.messages.stream({ model: "gpt-4o", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    const ended = stream.finalMessage().catch((e: unknown) => e);
    await new Promise<void>((resolve) => stream.on("text", () => resolve()));
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    await toOpenAI.upstream.waitForPeerClose(before + 1);
    expect(toOpenAI.upstream.closedByPeer).toBe(before + 1);
  });

  test("passthrough stream (Anthropic client -> Anthropic upstream): upstream connection closed", async () => {
    const before = toAnthropic.upstream.closedByPeer;
    toAnthropic.upstream.enqueue({ sse: anthropicSse(messageStart(), textStart, textDelta("Hello")), hang: true });
    const stream = toAnthropic.anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    const ended = stream.finalMessage().catch((e: unknown) => e);
    await new Promise<void>((resolve) => stream.on("text", () => resolve()));
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    await toAnthropic.upstream.waitForPeerClose(before + 1);
    expect(toAnthropic.upstream.closedByPeer).toBe(before + 1);
  });

  test("before the upstream answered (non-streaming): upstream connection closed", async () => {
    const before = toOpenAI.upstream.closedByPeer;
    const seen = toOpenAI.upstream.requests.length;
    toOpenAI.upstream.enqueue({ hangBeforeHeaders: true });
    const controller = new AbortController();
    const call = toOpenAI.anthropic.messages.create({ model: "gpt-4o", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }, { signal: controller.signal });
    await toOpenAI.upstream.waitForRequests(seen + 1);
    controller.abort();
    await thrown(call);
    await toOpenAI.upstream.waitForPeerClose(before + 1);
    expect(toOpenAI.upstream.closedByPeer).toBe(before + 1);
  });
});

/** A raw POST with the gateway key, to look at the exact bytes a client receives. */
function rawPost(h: Harness, path: string, body: unknown) {
  return fetch(`${h.server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${h.gatewayKey}`, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
}
