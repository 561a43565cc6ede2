import { describe, expect, test } from "bun:test";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

const k = testKey({ permissions: ["read"] });
const h = { authorization: `Bearer ${k.raw}` };

describe("GET /v1/models", () => {
  const config = testConfig({
    gateway_keys: [k.key],
    upstream_accounts: [
      testAccount({ provider: "anthropic", models: ["claude-sonnet-4-5", "claude-*"] }),
      testAccount({ provider: "openai", models: ["gpt-4o"] }),
      testAccount({ provider: "openai", models: ["gpt-disabled"], status: "disabled" }),
    ],
    model_routes: [
      { id: "r1", source_model: "fast", target_model: "gpt-4o", priority: 0, enabled: true },
      { id: "r2", source_model: "gpt-*", target_model: "gpt-4o", priority: 0, enabled: true },
    ],
  });

  test("OpenAI's list shape: concrete names of enabled accounts and exact routes", async () => {
    const { request } = testApp(config);
    const res = await request("/v1/models", { headers: h });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.object).toBe("list");
    expect(body.data.map((m: any) => m.id)).toEqual(["claude-sonnet-4-5", "fast", "gpt-4o"]);
    expect(body.data[0]).toEqual({ id: "claude-sonnet-4-5", object: "model", created: 0, owned_by: "anthropic" });
  });

  test("Anthropic's list shape when anthropic-version is sent", async () => {
    const { request } = testApp(config);
    const body = (await (await request("/v1/models", { headers: { ...h, "anthropic-version": "2023-06-01" } })).json()) as any;
    expect(body.has_more).toBe(false);
    expect(body.first_id).toBe("claude-sonnet-4-5");
    expect(body.data[0]).toMatchObject({ type: "model", id: "claude-sonnet-4-5" });
  });

  test("needs a key", async () => {
    const { request } = testApp(config);
    expect((await request("/v1/models")).status).toBe(401);
  });
});

describe("POST /v1/messages/count_tokens", () => {
  const body = { model: "claude-x", messages: [{ role: "user", content: "one two three" }] };

  test("exact from an Anthropic account (upstream asked, key and version sent)", async () => {
    const seen: { url: string; headers: Headers; body: any }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, headers: new Headers(init.headers), body: JSON.parse(String(init.body)) });
      return Response.json({ input_tokens: 42 }, { headers: { "request-id": "req_up" } });
    }) as FetchFn;
    const acct = testAccount({ provider: "anthropic", base_url: "http://anthropic.test" });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] }), { fetch, credentials: { [acct.id]: "sk-ant-x" } });
    const res = await request("/v1/messages/count_tokens", { json: body, headers: h });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: 42 });
    expect(res.headers.get("request-id")).toBe("req_up");
    expect(seen[0]!.url).toBe("http://anthropic.test/v1/messages/count_tokens");
    expect(seen[0]!.headers.get("x-api-key")).toBe("sk-ant-x");
    expect(seen[0]!.headers.get("anthropic-version")).toBe("2023-06-01");
  });

  test("an estimate, marked as such, from an OpenAI account — never 0", async () => {
    const acct = testAccount({ provider: "openai", models: ["claude-x"] });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] }));
    const res = await request("/v1/messages/count_tokens", { json: body, headers: h });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-llm-gateway-token-count")).toBe("estimate");
    expect(((await res.json()) as any).input_tokens).toBeGreaterThan(0);
  });

  test("the mock counts with its own tokenizer", async () => {
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [testAccount()] }));
    expect(await (await request("/v1/messages/count_tokens", { json: body, headers: h })).json()).toEqual({ input_tokens: 3 });
  });

  test("an upstream error keeps its status, in Anthropic's shape", async () => {
    const fetch = (async () => Response.json({ type: "error", error: { type: "invalid_request_error", message: "messages.0: bad" } }, { status: 400 })) as FetchFn;
    const acct = testAccount({ provider: "anthropic" });
    const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [acct] }), { fetch });
    const res = await request("/v1/messages/count_tokens", { json: body, headers: h });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "messages.0: bad" } });
  });
});
