import { describe, expect, test } from "bun:test";
import type { GatewayKey, UpstreamAccount } from "../../src/config/schema.ts";
import { createRouter } from "../../src/routing/router.ts";
import { usageUpstream } from "../fakes/usage-upstream.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

/**
 * OpenAI streams whose client asks for no usage (no `stream_options.include_usage`), to an upstream of the same
 * dialect: the gateway asks for it, the client's stream lacks only the usage chunk, and the stream's tokens and cost
 * count against the key's budget and tokens per minute. `stream_usage: false` turns the asking off for an account
 * whose server rejects `stream_options`.
 */

const PRICES = { "gpt-priced": { input: 2, output: 10, cache_read: 1 }, "gpt-priced-chunked": { input: 2, output: 10, cache_read: 1 } };
const OPENAI_COST = (70 * 2 + 30 * 1 + 20 * 10) / 1e6; // 0.00037 per request (usage-upstream.ts)

function setup(limits: Partial<GatewayKey> = {}, account: Partial<UpstreamAccount> = {}) {
  const up = usageUpstream();
  const key = testKey({ name: "team", ...limits });
  const config = testConfig({
    gateway_keys: [key.key],
    upstream_accounts: [testAccount({ provider: "openai-compatible", base_url: "http://oa.test/v1", models: ["gpt-*"], ...account })],
    model_routes: [{ id: "r1", source_model: "alias-gpt", target_model: "gpt-priced", priority: 0, enabled: true }],
  });
  config.usage.prices = PRICES;
  const now = Date.UTC(2026, 5, 10, 12);
  // The real router: model routes apply.
  const { request } = testApp(config, { fetch: up.fetch, clock: () => now, router: createRouter({ clock: () => now }) });
  const auth = { authorization: `Bearer ${key.raw}` };
  /** The body's exact text is sent, so tests can compare it with what the upstream got. */
  const send = (path: string, text: string, headers: Record<string, string> = auth) =>
    request(path, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: text });
  const chat = (extra = "", model = "gpt-priced") => `{"model":"${model}","stream":true,${extra}"messages":[{"role":"user","content":"hi"}]}`;
  /** What the upstream sends for a body, without the gateway: the bytes a client talking to it directly would get. */
  const direct = async (path: string, text: string) => (await up.fetch(`http://direct.test/v1${path}`, { method: "POST", body: text })).text();
  return { up, send, chat, direct, auth, lastSent: () => up.requests.at(-1)! };
}

describe("a client that asks for no usage", () => {
  test("chat: the upstream is asked (spliced into the client's text), the client gets the stream it would get directly", async () => {
    for (const model of ["gpt-priced", "gpt-priced-chunked"]) {
      const g = setup();
      const body = g.chat("", model);
      const res = await g.send("/v1/chat/completions", body);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(g.lastSent().body).toBe(`{"stream_options":{"include_usage":true},${body.slice(1)}`);
      expect(text).toBe(await g.direct("/chat/completions", body));
      expect(text).not.toContain('"usage"');
      expect(text).toEndWith("data: [DONE]\n\n");
    }
  });

  test("legacy completions: the same", async () => {
    for (const model of ["gpt-priced", "gpt-priced-chunked"]) {
      const g = setup();
      const body = `{"model":"${model}","prompt":"hi","stream":true,"stream_options":{"include_obfuscation":false}}`;
      const text = await (await g.send("/v1/completions", body)).text();
      expect(JSON.parse(g.lastSent().body)).toEqual({ ...JSON.parse(body), stream_options: { include_obfuscation: false, include_usage: true } });
      expect(text).toBe(await g.direct("/completions", body));
      expect(text).not.toContain('"usage"');
    }
  });

  test("a routed model and include_usage: false: both set in the body, the client's model and no usage in its stream", async () => {
    const g = setup();
    const body = g.chat('"stream_options":{"include_usage":false},', "alias-gpt");
    const text = await (await g.send("/v1/chat/completions", body)).text();
    expect(JSON.parse(g.lastSent().body)).toEqual({ ...JSON.parse(body), model: "gpt-priced", stream_options: { include_usage: true } });
    expect(text).toBe((await g.direct("/chat/completions", g.chat('"stream_options":{"include_usage":false},', "gpt-priced"))).replaceAll('"model":"gpt-priced"', '"model":"alias-gpt"'));
  });

  test("the stream's cost counts: a key whose budget is below one stream's cost is refused after it", async () => {
    for (const path of ["/v1/chat/completions", "/v1/completions"]) {
      for (const model of ["gpt-priced", "gpt-priced-chunked"]) {
        const g = setup({ budget_usd_daily: 0.0003 });
        const body = path === "/v1/completions" ? `{"model":"${model}","prompt":"hi","stream":true}` : g.chat("", model);
        const first = await g.send(path, body);
        expect(first.status).toBe(200);
        await first.text();
        const refused = await g.send(path, body);
        expect(refused.status).toBe(429);
        expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
          `over its daily budget of $0.0003 (spent $${OPENAI_COST.toFixed(4)})`,
        );
      }
    }
  });

  test("the stream's tokens count against tokens per minute", async () => {
    const g = setup({ rate_limit_tpm: 100 });
    await (await g.send("/v1/chat/completions", g.chat())).text();
    const refused = await g.send("/v1/chat/completions", g.chat());
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("over its limit of 100 tokens per minute (used 120)");
  });
});

test("a client that asked for usage gets it; its body goes up as sent", async () => {
  const g = setup({ budget_usd_daily: 0.0003 });
  const body = g.chat('"stream_options":{"include_usage":true},');
  const text = await (await g.send("/v1/chat/completions", body)).text();
  expect(g.lastSent().body).toBe(body);
  expect(text).toBe(await g.direct("/chat/completions", body));
  expect(text).toContain('"choices":[],"usage":{"prompt_tokens":100');
  expect((await g.send("/v1/chat/completions", body)).status).toBe(429);
});

describe("stream_usage: false (a server that rejects stream_options)", () => {
  test("nothing is added: the body goes up as sent, the stream is served, its cost is unknown and spends nothing", async () => {
    const g = setup({ budget_usd_daily: 0.0003 }, { stream_usage: false });
    g.up.rejectsStreamOptions.add("oa.test");
    const body = g.chat();
    for (let i = 0; i < 3; i++) {
      const res = await g.send("/v1/chat/completions", body);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(await g.direct("/chat/completions", body));
      expect(g.lastSent().body).toBe(body);
    }
  });

  test("converted requests to it carry no stream_options either", async () => {
    const g = setup({}, { stream_usage: false });
    g.up.rejectsStreamOptions.add("oa.test");
    const res = await g.send("/v1/messages", JSON.stringify({ model: "gpt-priced", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi" }] }), {
      "x-api-key": g.auth.authorization.slice(7),
      "anthropic-version": "2023-06-01",
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("event: message_stop");
    expect(JSON.parse(g.lastSent().body).stream_options).toBeUndefined();
  });

  test("without the opt-out such a server refuses the stream (what the setting is for)", async () => {
    const g = setup();
    g.up.rejectsStreamOptions.add("oa.test");
    const res = await g.send("/v1/chat/completions", g.chat());
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("stream_options");
  });
});
