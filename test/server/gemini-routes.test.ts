/**
 * Gemini's own API on the client side (src/server/create-app.ts, gemini-path.ts): the routes, where the key may
 * come from, Google's error shape, both stream framings, countTokens and the model list, passthrough to a native
 * Gemini account (a fetch that answers like Google), and routing's view of Google's bad-key answer.
 */
import { describe, expect, test } from "bun:test";
import { idWithSignature } from "../../src/canonical/tool-call-id.ts";
import { createRouter } from "../../src/routing/router.ts";
import type { Logger } from "../../src/server/logger.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

const k = testKey();
const body = { contents: [{ role: "user", parts: [{ text: "hello there" }] }] };
const MODEL = "gemini-2.5-flash";
const call = (method: string, query = "") => `/v1beta/models/${MODEL}:${method}${query}`;
const goog = { "x-goog-api-key": k.raw };

/** A fetch standing in for Google: records each call, answers with `reply`. */
function googleFetch(reply: (url: string, body: any) => Response) {
  const seen: { url: string; headers: Headers; body: any }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const sent = init.body ? JSON.parse(String(init.body)) : undefined;
    seen.push({ url, headers: new Headers(init.headers), body: sent });
    return reply(url, sent);
  }) as FetchFn;
  return { fetch, seen };
}
const sse = (...chunks: unknown[]) =>
  new Response(chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join(""), { headers: { "content-type": "text/event-stream" } });
const chunk = (parts: unknown[], finishReason?: string) => ({
  candidates: [{ content: { role: "model", parts }, ...(finishReason ? { finishReason } : {}), index: 0 }],
  ...(finishReason ? { usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 } } : {}),
  modelVersion: MODEL,
  responseId: "r1",
});

function mockApp(extra: Parameters<typeof testApp>[1] = {}) {
  return testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [testAccount({ models: [MODEL] })] }), extra);
}

describe("the key", () => {
  for (const [how, path, headers] of [
    ["x-goog-api-key", call("generateContent"), goog],
    ["?key=", call("generateContent", `?key=${k.raw}`), {}],
    ["a bearer token", call("generateContent"), { authorization: `Bearer ${k.raw}` }],
  ] as const) {
    test(`as ${how}`, async () => {
      const res = await mockApp().request(path, { json: body, headers });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).candidates[0].content.parts[0].text).toBe("Mock reply to: hello there");
    });
  }

  test("missing or wrong: 401 in Google's shape, naming where a key goes", async () => {
    const { request } = mockApp();
    const missing = await request(call("generateContent"), { json: body });
    expect(missing.status).toBe(401);
    const m = (await missing.json()) as any;
    expect(m).toEqual({ error: { code: 401, message: expect.stringContaining("x-goog-api-key"), status: "UNAUTHENTICATED" } });
    const wrong = await request(call("generateContent", "?key=lgw_nope"), { json: body });
    expect(((await wrong.json()) as any).error).toMatchObject({ code: 401, status: "UNAUTHENTICATED", message: "invalid API key" });
  });

  test("?key= is accepted on Gemini routes only", async () => {
    const res = await mockApp().request(`/v1/chat/completions?key=${k.raw}`, { json: { model: "m", messages: [{ role: "user", content: "x" }] } });
    expect(res.status).toBe(401);
  });

  test("a key in ?key= reaches neither the log nor the upstream", async () => {
    const lines: unknown[] = [];
    const log: Logger = { log: (_l, msg, f) => void lines.push({ msg, ...f }), lifecycle() {}, setLevel() {}, flush() {} };
    const g = googleFetch(() => Response.json(chunk([{ text: "hi" }], "STOP")));
    const acct = testAccount({ provider: "gemini", base_url: "http://google.test" });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] }), { fetch: g.fetch, credentials: { [acct.id]: "AIza-upstream" }, log });
    expect((await request(call("generateContent", `?key=${k.raw}`), { json: body })).status).toBe(200);
    expect((await request(`/v1beta/models/x:nothing?key=${k.raw}`, { json: body })).status).toBe(404);
    expect((await request(`/v1beta/nothing?key=${k.raw}`, { json: body })).status).toBe(404);
    expect(JSON.stringify(lines)).not.toContain(k.raw);
    expect(lines).toContainEqual(expect.objectContaining({ route: "/v1beta/models/{model}:generateContent", status: 200, model: MODEL }));
    expect(g.seen[0]!.url).toBe(`http://google.test/v1beta/models/${MODEL}:generateContent`);
    expect(g.seen[0]!.headers.get("x-goog-api-key")).toBe("AIza-upstream");
    expect(JSON.stringify([...g.seen[0]!.headers])).not.toContain(k.raw);
  });
});

describe("generateContent and streams over the mock", () => {
  test("the /v1/ forms answer the same", async () => {
    const res = await mockApp().request(`/v1/models/${MODEL}:generateContent`, { json: body, headers: goog });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).modelVersion).toBe(MODEL);
  });

  test("alt=sse: SSE data lines ending in a finishReason", async () => {
    const res = await mockApp().request(call("streamGenerateContent", "?alt=sse"), { json: body, headers: goog });
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const events = (await res.text()).split(/\r?\n\r?\n/).filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, "")));
    expect(events.map((e) => e.candidates[0].content.parts[0].text).join("")).toBe("Mock reply to: hello there");
    expect(events.at(-1).candidates[0].finishReason).toBe("STOP");
  });

  test("without alt=sse: one JSON array", async () => {
    const res = await mockApp().request(call("streamGenerateContent"), { json: body, headers: goog });
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const all = JSON.parse(await res.text()) as any[];
    expect(all.map((e) => e.candidates[0].content.parts[0].text).join("")).toBe("Mock reply to: hello there");
    expect(all.at(-1).candidates[0].finishReason).toBe("STOP");
  });

  test("bad input: 400 INVALID_ARGUMENT naming the field; an unknown method 404 NOT_FOUND; GET on a method 405", async () => {
    const { request } = mockApp();
    const bad = await request(call("generateContent"), { json: { contents: [] }, headers: goog });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT", message: expect.stringContaining("contents") });
    const notJson = await request(call("generateContent"), { method: "POST", body: "{", headers: { ...goog, "content-type": "application/json" } });
    expect(((await notJson.json()) as any).error.status).toBe("INVALID_ARGUMENT");
    const unknown = await request(call("embedContent"), { json: body, headers: goog });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.status).toBe("NOT_FOUND");
    const get = await request(call("generateContent"), { headers: goog });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toContain("POST");
    const elsewhere = await request("/v1beta/tunedModels", { headers: goog });
    expect(elsewhere.status).toBe(404);
    expect(((await elsewhere.json()) as any).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
  });
});

describe("models in Google's shape", () => {
  const config = testConfig({
    gateway_keys: [k.key],
    upstream_accounts: [testAccount({ provider: "gemini", models: ["gemini-2.5-flash", "gemini-3-*"] }), testAccount({ provider: "anthropic", models: ["claude-x"] })],
    model_routes: [{ id: "r", source_model: "fast", target_model: "gemini-2.5-flash", priority: 0, enabled: true }],
  });

  test("GET /v1beta/models and /v1/models with a Google key: `models/<id>` names", async () => {
    const { request } = testApp(config);
    for (const path of ["/v1beta/models", "/v1/models"]) {
      const list = (await (await request(path, { headers: goog })).json()) as any;
      expect(list.models.map((m: any) => m.name)).toEqual(["models/claude-x", "models/fast", "models/gemini-2.5-flash"]);
      expect(list.models[2].supportedGenerationMethods).toContain("generateContent");
    }
    // OpenAI's shape stays for OpenAI clients.
    expect(((await (await request("/v1/models", { headers: { authorization: `Bearer ${k.raw}` } })).json()) as any).object).toBe("list");
  });

  test("GET one model: listed, served through a pattern, or 404 NOT_FOUND", async () => {
    const { request } = testApp(config);
    expect(((await (await request("/v1beta/models/gemini-2.5-flash", { headers: goog })).json()) as any).name).toBe("models/gemini-2.5-flash");
    expect(((await (await request(`/v1beta/models/gemini-3-pro?key=${k.raw}`)).json()) as any).name).toBe("models/gemini-3-pro");
    const missing = await request("/v1beta/models/gpt-4o", { headers: goog });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.status).toBe("NOT_FOUND");
  });

  test("GET /v1/models/{id}, shared with OpenAI and Anthropic: each client gets its own shape", async () => {
    const { request } = testApp(config);
    expect(await (await request("/v1/models/fast", { headers: goog })).json()).toMatchObject({ name: "models/fast" });
    const bearer = { authorization: `Bearer ${k.raw}` };
    expect(await (await request("/v1/models/claude-x", { headers: bearer })).json()).toEqual({ id: "claude-x", object: "model", created: 0, owned_by: "anthropic" });
    expect(await (await request("/v1/models/claude-x", { headers: { ...bearer, "anthropic-version": "2023-06-01" } })).json()).toMatchObject({ type: "model", id: "claude-x" });
    const missing = await request("/v1/models/nothing-here", { headers: bearer });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.type).toBe("invalid_request_error");
  });
});

describe("passthrough to a native Gemini account", () => {
  const acct = testAccount({ provider: "gemini", base_url: "http://google.test" });
  const app = (fetch: FetchFn, accounts = [acct], router?: NonNullable<Parameters<typeof testApp>[1]>["router"]) =>
    testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: accounts }), { fetch, credentials: { [acct.id]: "AIza-up" }, router });

  test("the body goes as sent; a routed model changes the URL only", async () => {
    const g = googleFetch(() => Response.json(chunk([{ text: "ok" }], "STOP")));
    const routed = testApp(
      testConfig({ gateway_keys: [k.key], upstream_accounts: [acct], model_routes: [{ id: "r", source_model: "fast", target_model: MODEL, priority: 0, enabled: true }] }),
      { fetch: g.fetch, credentials: { [acct.id]: "AIza-up" }, router: createRouter({ clock: Date.now }) },
    );
    const sent = { ...body, generationConfig: { temperature: 0.2 } };
    const res = await routed.request("/v1beta/models/fast:generateContent", { json: sent, headers: goog });
    expect(res.status).toBe(200);
    expect(g.seen[0]!.url).toBe(`http://google.test/v1beta/models/${MODEL}:generateContent`);
    expect(g.seen[0]!.body).toEqual(sent);
  });

  test("SSE asked: bytes as Google sent them; a stream without a finishReason ends in an error event", async () => {
    const whole = [chunk([{ text: "Hel" }]), chunk([{ text: "lo" }]), chunk([{ text: "" }], "STOP")];
    const g = googleFetch(() => sse(...whole));
    const res = await app(g.fetch).request(call("streamGenerateContent", "?alt=sse"), { json: body, headers: goog });
    expect(await res.text()).toBe(whole.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join(""));
    expect(g.seen[0]!.url).toBe(`http://google.test/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);

    const cut = googleFetch(() => sse(chunk([{ text: "Hel" }]), chunk([{ text: "lo" }])));
    const text = await (await app(cut.fetch).request(call("streamGenerateContent", "?alt=sse"), { json: body, headers: goog })).text();
    const last = JSON.parse(text.trim().split(/\r?\n\r?\n/).at(-1)!.replace(/^data: /, ""));
    expect(last.error).toMatchObject({ code: 502, status: "INTERNAL" });
  });

  test("JSON array asked: each upstream event one element, unchanged; a cut stream ends with an error element", async () => {
    const whole = [chunk([{ text: "Hel", thoughtSignature: "c2ln" }]), chunk([{ text: "" }], "STOP")];
    const res = await app(googleFetch(() => sse(...whole)).fetch).request(call("streamGenerateContent"), { json: body, headers: goog });
    const text = await res.text();
    expect(text).toBe(`[${whole.map((c) => JSON.stringify(c)).join(",\r\n")}]`);

    const cut = await app(googleFetch(() => sse(chunk([{ text: "Hel" }]))).fetch).request(call("streamGenerateContent"), { json: body, headers: goog });
    const arr = JSON.parse(await cut.text()) as any[];
    expect(arr[0].candidates[0].content.parts[0].text).toBe("Hel");
    expect(arr.at(-1).error).toMatchObject({ code: 502, status: "INTERNAL" });
  });

  test("an upstream error before the first byte keeps its status and RPC name", async () => {
    const g = googleFetch(() => Response.json({ error: { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" } }, { status: 429 }));
    const res = await app(g.fetch).request(call("streamGenerateContent"), { json: body, headers: goog });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" } });
  });

  test("an error as a 200 stream's first event fails over with its status, told with Google's RPC name", async () => {
    const g = googleFetch(() => sse({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } }));
    const res = await app(g.fetch).request(call("streamGenerateContent", "?alt=sse"), { json: body, headers: goog });
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error).toMatchObject({ code: 503, status: "UNAVAILABLE", message: "The model is overloaded." });
  });

  test("Google's bad-key answer (400 API_KEY_INVALID) is the account's auth failure: left out, the next account serves", async () => {
    const badKey = { error: { code: 400, message: "API key not valid.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] } };
    const g = googleFetch(() => Response.json(badKey, { status: 400 }));
    const router = createRouter({ clock: Date.now });
    const backup = testAccount({ models: [MODEL], priority: 1 });
    const { request } = app(g.fetch, [acct, backup], router);
    for (let i = 0; i < 2; i++) {
      const res = await request(call("generateContent"), { json: body, headers: goog });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).candidates[0].content.parts[0].text).toBe("Mock reply to: hello there");
    }
    expect(g.seen.length).toBe(1);
    expect(router.status(acct.id)).toMatchObject({ state: "auth_failed" });
  });
});

describe("countTokens", () => {
  test("a native Gemini account counts: the body as sent, the routed model inside generateContentRequest", async () => {
    const g = googleFetch(() => Response.json({ totalTokens: 31, promptTokensDetails: [{ modality: "TEXT", tokenCount: 31 }] }));
    const acct = testAccount({ provider: "gemini", base_url: "http://google.test" });
    const { request } = testApp(
      testConfig({ gateway_keys: [k.key], upstream_accounts: [acct], model_routes: [{ id: "r", source_model: "fast", target_model: MODEL, priority: 0, enabled: true }] }),
      { fetch: g.fetch, router: createRouter({ clock: Date.now }) },
    );
    const plain = await request(call("countTokens"), { json: body, headers: goog });
    expect(await plain.json()).toEqual({ totalTokens: 31, promptTokensDetails: [{ modality: "TEXT", tokenCount: 31 }] });
    expect(g.seen[0]!.url).toBe(`http://google.test/v1beta/models/${MODEL}:countTokens`);
    expect(g.seen[0]!.body).toEqual(body);
    await request("/v1beta/models/fast:countTokens", { json: { generateContentRequest: { model: "models/fast", ...body } }, headers: goog });
    expect(g.seen[1]!.body).toEqual({ generateContentRequest: { model: `models/${MODEL}`, ...body } });
  });

  test("an Anthropic account counts a converted request (count_tokens' own fields only); the answer in Google's shape", async () => {
    const g = googleFetch(() => Response.json({ input_tokens: 17 }));
    const acct = testAccount({ provider: "anthropic", base_url: "http://anthropic.test", models: [MODEL] });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] }), { fetch: g.fetch });
    const res = await request(call("countTokens"), {
      json: { generateContentRequest: { model: `models/${MODEL}`, ...body, systemInstruction: { parts: [{ text: "Be brief." }] }, generationConfig: { maxOutputTokens: 10 } } },
      headers: goog,
    });
    expect(await res.json()).toEqual({ totalTokens: 17 });
    expect(res.headers.get("x-llm-gateway-token-count")).toBeNull();
    expect(g.seen[0]!.url).toBe("http://anthropic.test/v1/messages/count_tokens");
    expect(g.seen[0]!.body).toEqual({ model: MODEL, messages: [{ role: "user", content: [{ type: "text", text: "hello there" }] }], system: [{ type: "text", text: "Be brief." }] });
  });

  test("an Anthropic client counts on a native Gemini account, converted", async () => {
    const g = googleFetch(() => Response.json({ totalTokens: 9 }));
    const acct = testAccount({ provider: "gemini", base_url: "http://google.test" });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] }), { fetch: g.fetch });
    const res = await request("/v1/messages/count_tokens", { json: { model: MODEL, messages: [{ role: "user", content: "hi" }] }, headers: { "x-api-key": k.raw } });
    expect(await res.json()).toEqual({ input_tokens: 9 });
    expect(g.seen[0]!.body).toEqual({ generateContentRequest: { model: `models/${MODEL}`, contents: [{ role: "user", parts: [{ text: "hi" }] }] } });
  });

  test("elsewhere the documented estimate, marked; a body without contents is a 400", async () => {
    const acct = testAccount({ provider: "openai", models: [MODEL] });
    const est = await testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] })).request(call("countTokens"), { json: body, headers: goog });
    expect(est.headers.get("x-llm-gateway-token-count")).toBe("estimate");
    expect(((await est.json()) as any).totalTokens).toBeGreaterThan(0);
    const bad = await mockApp().request(call("countTokens"), { json: {}, headers: goog });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toContain("contents");
  });
});

describe("a tool loop failing over from Gemini to OpenAI mid-conversation", () => {
  test("ids that carry a Gemini signature reach OpenAI without it (≤ 40 characters), calls and results still paired", async () => {
    const signature = Buffer.from("x".repeat(600)).toString("base64");
    const id = idWithSignature("call_r1_0", signature);
    expect(id.length).toBeGreaterThan(40);
    const gemini = testAccount({ provider: "gemini", base_url: "http://google.test", models: [MODEL] });
    const openai = testAccount({ provider: "openai", base_url: "http://openai.test/v1", models: [MODEL], priority: 1 });
    const seen: { url: string; body: any }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, body: JSON.parse(String(init.body)) });
      if (url.startsWith("http://google.test")) return Response.json({ error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } }, { status: 503 });
      return Response.json({ id: "c", object: "chat.completion", created: 1, model: MODEL, choices: [{ index: 0, message: { role: "assistant", content: "18C" }, finish_reason: "stop" }] });
    }) as FetchFn;
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [gemini, openai] }), { fetch });
    const res = await request("/v1/chat/completions", {
      headers: { authorization: `Bearer ${k.raw}` },
      json: {
        model: MODEL,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
          { role: "tool", tool_call_id: id, content: "18C" },
        ],
        tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
      },
    });
    expect(res.status).toBe(200);
    expect(seen.map((s) => new URL(s.url).host)).toEqual(["google.test", "openai.test"]);
    // Gemini was sent the signature back; OpenAI gets the plain id.
    expect(seen[0]!.body.contents[1].parts[0]).toMatchObject({ functionCall: { id: "call_r1_0" }, thoughtSignature: signature });
    const msgs = seen[1]!.body.messages;
    expect(msgs[1].tool_calls[0].id).toBe("call_r1_0");
    expect(msgs[2].tool_call_id).toBe("call_r1_0");
  });

  test("the Anthropic and Responses encoders cut the signature too", async () => {
    const { dialects } = await import("../../src/dialects/index.ts");
    const id = idWithSignature("call_r1_0", "c2lnbmF0dXJl");
    const canonical = dialects["openai-chat"].decodeRequest({
      model: "m",
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: id, content: "ok" },
      ],
    });
    const anthropic = dialects["anthropic-messages"].encodeRequest(canonical, { model: "claude-x", defaultMaxTokens: 10 }) as any;
    expect(anthropic.messages[1].content[0].id).toBe("call_r1_0");
    expect(anthropic.messages[2].content[0].tool_use_id).toBe("call_r1_0");
    const responses = dialects["openai-responses"].encodeRequest(canonical, { model: "gpt-5", defaultMaxTokens: 10 }) as any;
    expect(responses.input.filter((i: any) => i.call_id).map((i: any) => i.call_id)).toEqual(["call_r1_0", "call_r1_0"]);
  });
});

test("the OpenAPI document describes every Gemini route, the key in x-goog-api-key or ?key=", async () => {
  const doc = (await (await mockApp().request("/swagger/json")).json()) as any;
  for (const version of ["v1beta", "v1"]) {
    for (const method of ["generateContent", "streamGenerateContent", "countTokens"]) {
      const op = doc.paths[`/${version}/models/{model}:${method}`]?.post;
      expect(op?.tags).toEqual(["gemini"]);
      expect(op.security).toContainEqual({ queryKey: [] });
    }
    expect(doc.paths[`/${version}/models/{model}`].get.responses["404"]).toBeDefined();
  }
  expect(doc.paths["/v1beta/models"].get.tags).toEqual(["gemini"]);
  expect(Object.keys(doc.paths).filter((p) => p.includes("*"))).toEqual([]);
  expect(doc.components.securitySchemes.googApiKey).toMatchObject({ in: "header", name: "x-goog-api-key" });
});
