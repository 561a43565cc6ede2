import { afterEach, describe, expect, test } from "bun:test";
import { type FaultUpstream, startFaultUpstream } from "./fault-upstream.ts";

let up: FaultUpstream | undefined;
afterEach(async () => {
  await up?.stop();
  up = undefined;
});

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${up!.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...init });
type Json = any;
const readAll = async (res: Response) => new TextDecoder().decode(await res.arrayBuffer());
const readFirstChunk = async (res: Response) => {
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  return { text: new TextDecoder().decode(value), reader };
};

describe("fault upstream: success answers in both dialects", () => {
  test("OpenAI chat JSON and SSE", async () => {
    up = await startFaultUpstream();
    const json: Json = await (await post("/v1/chat/completions", { model: "gpt-x", messages: [] })).json();
    expect(json.object).toBe("chat.completion");
    expect(json.model).toBe("gpt-x");
    expect(json.choices[0].message.content).toBe("Hello from the fault upstream.");
    const res = await post("/v1/chat/completions", { model: "gpt-x", stream: true, messages: [] });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await readAll(res);
    expect(text).toContain('"role":"assistant"');
    expect(text).toContain('"finish_reason":"stop"');
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(up.requests.map((r) => [r.dialect, r.stream, r.mode])).toEqual([
      ["openai-chat", false, "ok"],
      ["openai-chat", true, "ok"],
    ]);
    expect((up.requests[0].body as { model: string }).model).toBe("gpt-x");
    expect(up.requests[0].headers["content-type"]).toBe("application/json");
  });

  test("Anthropic messages JSON and SSE, custom text; models list", async () => {
    up = await startFaultUpstream({ mode: "ok", text: "Hi there" });
    const json = await (await post("/v1/messages", { model: "claude-x", max_tokens: 5, messages: [] })).json();
    expect(json).toMatchObject({ type: "message", model: "claude-x", content: [{ type: "text", text: "Hi there" }], stop_reason: "end_turn" });
    const text = await readAll(await post("/v1/messages?beta=true", { model: "claude-x", stream: true }));
    const types = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const models: Json = await (await fetch(`${up.url}/v1/models`)).json();
    expect(models.data[0].id).toBe("fault-model");
    expect((await fetch(`${up.url}/nowhere`)).status).toBe(404);
  });
});

describe("fault upstream: error statuses", () => {
  test("429 with Retry-After, 529, 500, 503, in the request's dialect", async () => {
    up = await startFaultUpstream();
    up.script({ mode: "429", retryAfter: "7", headers: { "x-ratelimit-reset-requests": "6m0s" } }, "529", "500", { mode: "503", retryAfter: "3" });
    const r429 = await post("/v1/messages", { model: "m" });
    expect(r429.status).toBe(429);
    expect(r429.headers.get("retry-after")).toBe("7");
    expect(r429.headers.get("x-ratelimit-reset-requests")).toBe("6m0s");
    expect(((await r429.json()) as Json).error.type).toBe("rate_limit_error");
    const r529 = await post("/v1/messages", { model: "m" });
    expect(r529.status).toBe(529);
    expect(await r529.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    const r500 = await post("/v1/chat/completions", { model: "m" });
    expect(r500.status).toBe(500);
    expect(((await r500.json()) as Json).error.type).toBe("api_error");
    const r503 = await post("/v1/chat/completions", { model: "m" });
    expect(r503.status).toBe(503);
    expect(r503.headers.get("retry-after")).toBe("3");
    await r503.text();
    // The script is used up: back to the default mode.
    expect((await post("/v1/chat/completions", { model: "m" })).status).toBe(200);
    expect(up.requests.map((r) => r.mode)).toEqual(["429", "529", "500", "503", "ok"]);
  });
});

describe("fault upstream: broken connections", () => {
  test("reset before headers fails the fetch", async () => {
    up = await startFaultUpstream("reset-before-headers");
    const err = await post("/v1/chat/completions", { model: "m" }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(up.requests.length).toBe(1);
    await up.waitForClosed(1);
    expect(up.openConnections).toBe(0);
  });

  test("reset mid-stream: headers arrive, then the body fails", async () => {
    up = await startFaultUpstream("reset-mid-stream");
    const res = await post("/v1/messages", { model: "m", stream: true });
    expect(res.status).toBe(200);
    expect(await readAll(res).catch((e) => e)).toBeInstanceOf(Error);
    const json = await post("/v1/chat/completions", { model: "m" });
    expect(json.status).toBe(200);
    expect(await readAll(json).catch((e) => e)).toBeInstanceOf(Error);
  });

  test("hang before headers is released when the client aborts", async () => {
    up = await startFaultUpstream("hang-before-headers");
    const controller = new AbortController();
    const pending = post("/v1/chat/completions", { model: "m" }, { signal: controller.signal });
    await up.waitForRequests(1);
    expect(up.openConnections).toBe(1);
    controller.abort();
    expect(await pending.catch((e) => e.name)).toBe("AbortError");
    await up.waitForClosed(1);
    expect(up.openConnections).toBe(0);
  });

  test("hang mid-stream: the first event arrives, then nothing until abort", async () => {
    up = await startFaultUpstream("hang-mid-stream");
    const controller = new AbortController();
    const res = await post("/v1/chat/completions", { model: "m", stream: true }, { signal: controller.signal });
    const { text, reader } = await readFirstChunk(res);
    expect(text).toContain('"role":"assistant"');
    const next = reader.read().catch((e) => e);
    controller.abort();
    expect(await next).toBeInstanceOf(Error);
    await up.waitForClosed(1);
  });

  test("stop() releases hung connections", async () => {
    up = await startFaultUpstream("hang-before-headers");
    const pending = post("/v1/messages", { model: "m" }).catch((e) => e);
    const pending2 = post("/v1/messages", { model: "m", stream: true }).catch((e) => e);
    await up.waitForRequests(2);
    await up.stop();
    expect(await pending).toBeInstanceOf(Error);
    expect(await pending2).toBeInstanceOf(Error);
    expect(up.connectionsClosed).toBe(2);
    up = undefined;
  });
});

describe("fault upstream: malformed bodies", () => {
  test("malformed JSON", async () => {
    up = await startFaultUpstream("malformed-json");
    const res = await post("/v1/chat/completions", { model: "m" });
    expect(res.status).toBe(200);
    expect(await res.json().catch((e) => e)).toBeInstanceOf(Error);
  });

  test("malformed SSE: the first event's data is not JSON", async () => {
    up = await startFaultUpstream("malformed-sse");
    for (const path of ["/v1/chat/completions", "/v1/messages"]) {
      const text = await readAll(await post(path, { model: "m", stream: true }));
      const data = text.split("\n").find((l) => l.startsWith("data: "))!.slice(6);
      expect(() => JSON.parse(data)).toThrow();
    }
  });

  test("cut stream: clean HTTP end, but no SSE terminator", async () => {
    up = await startFaultUpstream("cut-stream");
    const openai = await readAll(await post("/v1/chat/completions", { model: "m", stream: true }));
    expect(openai).toContain('"content":"Hello "');
    expect(openai).not.toContain("[DONE]");
    expect(openai).not.toContain('"finish_reason":"stop"');
    const anthropic = await readAll(await post("/v1/messages", { model: "m", stream: true }));
    expect(anthropic).toContain("content_block_delta");
    expect(anthropic).not.toContain("message_stop");
    expect(anthropic).not.toContain("message_delta");
  });
});

describe("fault upstream: bookkeeping", () => {
  test("setMode switches the default; every response closes its connection", async () => {
    up = await startFaultUpstream();
    up.setMode({ mode: "429", retryAfter: "2" });
    expect((await post("/v1/messages", { model: "m" })).headers.get("retry-after")).toBe("2");
    up.setMode("ok");
    await (await post("/v1/messages", { model: "m" })).text();
    await up.waitForClosed(2);
    expect(up.connectionsOpened).toBe(2);
    expect(up.openConnections).toBe(0);
  });

  test("large request bodies arrive whole", async () => {
    up = await startFaultUpstream();
    const big = "x".repeat(512 * 1024);
    await (await post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: big }] })).text();
    expect((up.requests[0].body as { messages: { content: string }[] }).messages[0].content.length).toBe(big.length);
  });
});
