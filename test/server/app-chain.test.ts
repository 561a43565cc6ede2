import { describe, expect, test } from "bun:test";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

const chat = { model: "mock-model", messages: [{ role: "user", content: "hello there" }] };
const messages = { model: "mock-model", max_tokens: 50, messages: [{ role: "user", content: "hello there" }] };

describe("auth", () => {
  const active = testKey();
  const disabled = testKey({ status: "disabled" });
  const expired = testKey({ expires_at: new Date(Date.now() - 1000).toISOString() });
  const readOnly = testKey({ permissions: ["read"] });
  const { request } = testApp(
    testConfig({ gateway_keys: [active.key, disabled.key, expired.key, readOnly.key], upstream_accounts: [testAccount()] }),
  );

  test("missing key → 401 in OpenAI's shape on /v1/chat/completions", async () => {
    const res = await request("/v1/chat/completions", { json: chat });
    expect(res.status).toBe(401);
    const body = (await res.json()) as any;
    // OpenAI's own 401 is an invalid_request_error with code invalid_api_key.
    expect(body.error.code).toBe("invalid_api_key");
    expect(body.error.message).toContain("missing API key");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  test("missing key → 401 in Anthropic's shape on /v1/messages", async () => {
    const res = await request("/v1/messages", { json: messages });
    expect(res.status).toBe(401);
    const body = (await res.json()) as any;
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("authentication_error");
  });

  test("unknown key → 401; disabled → 401; expired → 401; lacking permission → 403", async () => {
    const h = (k: string) => ({ authorization: `Bearer ${k}` });
    expect((await request("/v1/chat/completions", { json: chat, headers: h("lgw_nope") })).status).toBe(401);
    const d = await request("/v1/chat/completions", { json: chat, headers: h(disabled.raw) });
    expect(d.status).toBe(401);
    expect(((await d.json()) as any).error.message).toContain("disabled");
    const e = await request("/v1/chat/completions", { json: chat, headers: h(expired.raw) });
    expect(e.status).toBe(401);
    expect(((await e.json()) as any).error.message).toContain("expired");
    const p = await request("/v1/chat/completions", { json: chat, headers: h(readOnly.raw) });
    expect(p.status).toBe(403);
    expect(((await p.json()) as any).error.type).toBe("permission_error");
  });

  test("Bearer and x-api-key both work; the request id is echoed", async () => {
    const a = await request("/v1/chat/completions", { json: chat, headers: { authorization: `Bearer ${active.raw}`, "x-request-id": "abc-123" } });
    expect(a.status).toBe(200);
    expect(a.headers.get("x-request-id")).toBe("abc-123");
    const b = await request("/v1/messages", { json: messages, headers: { "x-api-key": active.raw } });
    expect(b.status).toBe(200);
    const body = (await b.json()) as any;
    expect(body.type).toBe("message");
    expect(body.content[0].text).toContain("hello there");
  });

  test("errors never echo the presented key", async () => {
    const res = await request("/v1/chat/completions", { json: chat, headers: { authorization: "Bearer lgw_secretsecretsecret" } });
    expect(await res.text()).not.toContain("secretsecret");
  });
});

describe("rate limit", () => {
  test("requests over the key's rpm get 429 with Retry-After, in the client's dialect", async () => {
    let now = Date.parse("2026-01-01T00:00:10Z");
    const k = testKey({ rate_limit_rpm: 2 });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [testAccount()] }), { clock: () => now });
    const h = { "x-api-key": k.raw };
    expect((await request("/v1/messages", { json: messages, headers: h })).status).toBe(200);
    expect((await request("/v1/messages", { json: messages, headers: h })).status).toBe(200);
    const limited = await request("/v1/messages", { json: messages, headers: h });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("50");
    expect(((await limited.json()) as any).error.type).toBe("rate_limit_error");
    now += 50_000;
    expect((await request("/v1/messages", { json: messages, headers: h })).status).toBe(200);
  });
});

describe("CORS", () => {
  const k = testKey();
  test("none by default: no origin is allowed until cors_origins names it", async () => {
    const { request } = testApp(testConfig({ gateway_keys: [k.key] }));
    const res = await request("/v1/messages", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const get = await request("/v1/models", { headers: { origin: "https://app.example", authorization: `Bearer ${k.raw}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("preflight is answered without auth, with the allowed headers", async () => {
    const base = testConfig({ gateway_keys: [k.key] });
    const { request } = testApp({ ...base, server: { ...base.server, cors_origins: ["*"] } });
    const res = await request("/v1/messages", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = res.headers.get("access-control-allow-headers")!;
    for (const h of ["authorization", "x-api-key", "anthropic-version", "anthropic-beta", "content-type"]) expect(allowed).toContain(h);
  });

  test("configured origins only", async () => {
    const base = testConfig({ gateway_keys: [k.key], upstream_accounts: [testAccount()] });
    const { request } = testApp({ ...base, server: { ...base.server, cors_origins: ["https://ok.example"] } });
    const ok = await request("/v1/chat/completions", { json: chat, headers: { origin: "https://ok.example", authorization: `Bearer ${k.raw}` } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://ok.example");
    const no = await request("/v1/chat/completions", { json: chat, headers: { origin: "https://evil.example", authorization: `Bearer ${k.raw}` } });
    expect(no.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the gateway's headers on every answer", () => {
  // Success answers get them in one record from the handler; errors get them set afterwards. Both must carry the
  // gateway's request id (never the upstream's), its rate-limit state and CORS.
  const k = testKey({ rate_limit_rpm: 100 });
  const account = testAccount({ provider: "openai-compatible", base_url: "http://upstream.test/v1", models: ["*"] });
  const upstream = (status: number) =>
    (async () =>
      status === 200
        ? Response.json(
            { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] },
            { headers: { "x-request-id": "upstream-id", "x-ratelimit-remaining-requests": "7" } },
          )
        : Response.json({ error: { message: "bad thing", type: "invalid_request_error" } }, { status, headers: { "x-request-id": "upstream-id" } })) as never;
  for (const status of [200, 400]) {
    test(`upstream ${status}: our request id, the upstream's as x-upstream-request-id, rate-limit headers, CORS`, async () => {
      const base = testConfig({ gateway_keys: [k.key], upstream_accounts: [account] });
      const { request } = testApp({ ...base, server: { ...base.server, cors_origins: ["*"] } }, { fetch: upstream(status), credentials: { [account.id]: "sk" } });
      const res = await request("/v1/chat/completions", {
        json: { model: "m", messages: [{ role: "user", content: "hi" }] },
        headers: { origin: "https://app.example", authorization: `Bearer ${k.raw}`, "x-request-id": "client-id-1" },
      });
      expect(res.status).toBe(status);
      expect(res.headers.get("x-request-id")).toBe("client-id-1");
      expect(res.headers.get("x-upstream-request-id")).toBe("upstream-id");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("x-ratelimit-limit-requests")).toBe("100");
      // The upstream's own rate-limit header wins over the gateway's of the same name (it says more).
      if (status === 200) expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("7");
      else expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("99");
    });
  }

  test("every other route too: models, count_tokens, metrics, a refused key, an unknown route", async () => {
    const admin = testKey({ permissions: ["read", "write", "admin"], rate_limit_rpm: 100 });
    const base = testConfig({ gateway_keys: [admin.key], upstream_accounts: [testAccount({ provider: "openai-compatible", base_url: "http://upstream.test/v1", models: ["*"] })] });
    const { request } = testApp({ ...base, server: { ...base.server, cors_origins: ["*"] } });
    const h = { origin: "https://app.example", authorization: `Bearer ${admin.raw}`, "x-request-id": "client-id-2" };
    const answers = [
      await request("/v1/models", { headers: h }),
      await request("/v1/messages/count_tokens", { json: messages, headers: h }),
      await request("/metrics", { headers: h }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get("x-request-id")).toBe("client-id-2");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("x-ratelimit-limit-requests")).toBe("100");
    }
    const refused = await request("/v1/models", { headers: { ...h, authorization: "Bearer lgw_nope" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-request-id")).toBe("client-id-2");
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    const unknown = await request("/v1/nothing", { headers: h });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-request-id")).toBe("client-id-2");
  });
});

describe("bad input", () => {
  const k = testKey();
  const base = testConfig({ gateway_keys: [k.key], upstream_accounts: [testAccount()] });
  const h = { authorization: `Bearer ${k.raw}`, "content-type": "application/json" };

  test("malformed JSON → 400 naming the problem", async () => {
    const { request } = testApp(base);
    const res = await request("/v1/chat/completions", { method: "POST", body: "{nope", headers: h });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("not valid JSON");
  });

  test("missing model → 400 naming the field", async () => {
    const { request } = testApp(base);
    const res = await request("/v1/messages", { method: "POST", body: JSON.stringify({ messages: [] }), headers: h });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("model");
  });

  test("oversized body → 413", async () => {
    const { request } = testApp({ ...base, server: { ...base.server, body_limit: 2048 } });
    const res = await request("/v1/chat/completions", { method: "POST", body: JSON.stringify({ ...chat, pad: "x".repeat(5000) }), headers: h });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.message).toContain("2048");
  });

  test("unknown route → 404 in the path's dialect", async () => {
    const { request } = testApp(base);
    const res = await request("/v1/messages/nope", { method: "POST", body: "{}", headers: h });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).type).toBe("error");
  });
});

describe("health and docs", () => {
  test("/health needs no auth and then gives status and counts only", async () => {
    const { request } = testApp(testConfig({ upstream_accounts: [testAccount(), testAccount()] }));
    const res = await request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", accounts: { healthy: 2, total: 2 } });
  });

  test("/swagger/json documents every route with its auth scheme and schemas", async () => {
    const { request } = testApp(testConfig());
    const spec = (await (await request("/swagger/json")).json()) as any;
    for (const p of ["/v1/chat/completions", "/v1/completions", "/v1/messages"]) {
      const op = spec.paths[p].post;
      expect(op.security).toBeDefined();
      expect(op.requestBody.content["application/json"].schema).toBeDefined();
      expect(op.responses["200"]).toBeDefined();
    }
    expect(spec.paths["/health"].get).toBeDefined();
    expect(spec.components.securitySchemes.bearer).toBeDefined();
    const ui = await request("/swagger");
    expect(ui.status).toBe(200);
  });
});
