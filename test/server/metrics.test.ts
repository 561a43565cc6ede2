import { expect, test } from "bun:test";
import { countMockTokens } from "../../src/providers/mock-tokenizer.ts";
import { usageUpstream } from "../fakes/usage-upstream.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

test("/metrics: requests, tokens from JSON and streams (passthrough), latency histogram; admin only", async () => {
  const user = testKey();
  const admin = testKey({ permissions: ["admin"] });
  const account = testAccount();
  const { request } = testApp(testConfig({ gateway_keys: [user.key, admin.key], upstream_accounts: [account] }));
  const h = { authorization: `Bearer ${user.raw}` };

  expect((await request("/v1/chat/completions", { json: { model: "m1", messages: [{ role: "user", content: "one two" }] }, headers: h })).status).toBe(200);
  const s = await request("/v1/messages", { json: { model: "m1", max_tokens: 100, stream: true, messages: [{ role: "user", content: "three" }] }, headers: h });
  await s.text();
  expect((await request("/v1/chat/completions", { json: { messages: [] }, headers: h })).status).toBe(400);

  expect((await request("/metrics", { headers: h })).status).toBe(403);
  const res = await request("/metrics", { headers: { authorization: `Bearer ${admin.raw}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  const labels = `key="${user.key.id}",account="${account.id}",model="m1",status="2xx"`;
  expect(text).toContain(`llm_gateway_requests_total{${labels}} 2`);
  const input = countMockTokens("one two") + countMockTokens("three");
  const output = countMockTokens("Mock reply to: one two") + countMockTokens("Mock reply to: three");
  expect(text).toContain(`llm_gateway_tokens_total{${labels},direction="input"} ${input}`);
  expect(text).toContain(`llm_gateway_tokens_total{${labels},direction="output"} ${output}`);
  // The refused request is counted without a model label (client-chosen names stay out of the series).
  expect(text).toContain(`llm_gateway_requests_total{key="${user.key.id}",account="-",model="-",status="4xx"} 1`);
  expect(text).toMatch(/llm_gateway_request_duration_ms_count \d+/);
  expect(text).toContain("# TYPE llm_gateway_requests_total counter");
});

test("/metrics stays bounded whatever model names a write key sends: 100 names of ≤ 128 characters, then `other`", async () => {
  const user = testKey();
  const admin = testKey({ permissions: ["admin"] });
  const { request } = testApp(testConfig({ gateway_keys: [user.key, admin.key], upstream_accounts: [testAccount()] }));
  const h = { authorization: `Bearer ${user.raw}` };
  const names = [...Array.from({ length: 150 }, (_, i) => `name-${i}`), "y".repeat(100_000)];
  for (const model of names) {
    expect((await request("/v1/chat/completions", { json: { model, max_tokens: 1, messages: [{ role: "user", content: "a" }] }, headers: h })).status).toBe(200);
  }
  const text = await (await request("/metrics", { headers: { authorization: `Bearer ${admin.raw}` } })).text();
  const models = new Set([...text.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
  expect(models.size).toBe(101);
  expect(models.has("other")).toBe(true);
  expect(Math.max(...text.split("\n").map((l) => l.length))).toBeLessThan(1000);
  expect(text).toMatch(/llm_gateway_requests_total\{key="[^"]+",account="[^"]+",model="other",status="2xx"\} 51/);
});

test("/metrics: cost in USD and every token direction per key, account and model (priced models only add cost)", async () => {
  const user = testKey();
  const admin = testKey({ permissions: ["admin"] });
  const oa = testAccount({ provider: "openai-compatible", base_url: "http://oa1.test/v1", models: ["gpt-*"] });
  const config = testConfig({ gateway_keys: [user.key, admin.key], upstream_accounts: [oa] });
  config.usage.prices = { "gpt-priced": { input: 2, output: 10, cache_read: 1 } };
  const { request } = testApp(config, { fetch: usageUpstream().fetch });
  const h = { authorization: `Bearer ${user.raw}` };
  for (const model of ["gpt-priced", "gpt-priced", "gpt-unpriced"]) {
    expect((await request("/v1/chat/completions", { json: { model, messages: [{ role: "user", content: "hi" }] }, headers: h })).status).toBe(200);
  }
  const text = await (await request("/metrics", { headers: { authorization: `Bearer ${admin.raw}` } })).text();
  expect(text).toContain("# TYPE llm_gateway_cost_usd_total counter");
  const oaLabels = `key="${user.key.id}",account="${oa.id}",model="gpt-priced"`;
  const cost = Number(new RegExp(`llm_gateway_cost_usd_total\\{${oaLabels}\\} (\\S+)`).exec(text)![1]);
  expect(cost).toBeCloseTo((2 * (70 * 2 + 30 + 20 * 10)) / 1e6, 12);
  expect(text).toContain(`llm_gateway_cost_usd_total{key="${user.key.id}",account="${oa.id}",model="gpt-unpriced"} 0`);
  const t = (labels: string, direction: string) => new RegExp(`llm_gateway_tokens_total\\{${labels},status="2xx",direction="${direction}"\\} (\\d+)`).exec(text)?.[1];
  expect([t(oaLabels, "input"), t(oaLabels, "output"), t(oaLabels, "cached"), t(oaLabels, "cache_write"), t(oaLabels, "reasoning")]).toEqual(["200", "40", "60", "0", "10"]);
  const unpriced = `key="${user.key.id}",account="${oa.id}",model="gpt-unpriced"`;
  expect([t(unpriced, "input"), t(unpriced, "output")]).toEqual(["100", "20"]);
});
