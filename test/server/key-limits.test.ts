import { describe, expect, test } from "bun:test";
import type { GatewayKey } from "../../src/config/schema.ts";
import { usageUpstream } from "../fakes/usage-upstream.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

/**
 * A gateway key's spend budgets, tokens per minute and model allow-list, through the app: refused in the client's
 * dialect with a message naming the limit and Retry-After until it resets; spend and tokens settled after each
 * answer. The clock is injected (budgets reset at UTC midnight and on the 1st, token windows each minute).
 */

const PRICES = { "gpt-priced": { input: 2, output: 10, cache_read: 1 }, "claude-priced": { input: 3, output: 15 } };
const OPENAI_COST = (70 * 2 + 30 * 1 + 20 * 10) / 1e6; // 0.00037 per request (usage-upstream.ts)

function setup(limits: Partial<GatewayKey>, start = Date.UTC(2026, 5, 10, 23, 0, 30)) {
  let now = start;
  const key = testKey({ name: "team", ...limits });
  const config = testConfig({
    gateway_keys: [key.key],
    upstream_accounts: [
      testAccount({ provider: "openai-compatible", base_url: "http://oa1.test/v1", models: ["gpt-*"] }),
      testAccount({ provider: "anthropic", base_url: "http://an.test", models: ["claude-*"] }),
    ],
  });
  config.usage.prices = PRICES;
  const { request } = testApp(config, { fetch: usageUpstream().fetch, clock: () => now });
  const openai = (model = "gpt-priced") =>
    request("/v1/chat/completions", { headers: { authorization: `Bearer ${key.raw}` }, json: { model, messages: [{ role: "user", content: "hi" }] } });
  const anthropic = (model = "gpt-priced", path = "/v1/messages") =>
    request(path, {
      headers: { "x-api-key": key.raw, "anthropic-version": "2023-06-01" },
      json: { model, max_tokens: 10, messages: [{ role: "user", content: "hi" }] },
    });
  return { openai, anthropic, setNow: (t: number) => (now = t), now: () => now };
}

describe("spend budgets", () => {
  test("daily: let through while under (estimated), refused once spent ≥ budget, in OpenAI's and Anthropic's shapes; back at UTC midnight", async () => {
    const g = setup({ budget_usd_daily: 0.0005 });
    expect((await g.openai()).status).toBe(200);
    // Spent 0.00037 < 0.0005: the next one still goes, and overshoots the budget by its own cost.
    expect((await g.openai()).status).toBe(200);
    const refused = await g.openai();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe(String(3600 - 30));
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toBe("key 'team' is over its daily budget of $0.0005 (spent $0.0007); resets at 2026-06-11T00:00:00.000Z");
    expect(body.error.type).toBe("rate_limit_exceeded");

    const viaAnthropic = await g.anthropic();
    expect(viaAnthropic.status).toBe(429);
    expect(viaAnthropic.headers.get("retry-after")).toBe("3570");
    const a = (await viaAnthropic.json()) as { type: string; error: { type: string; message: string } };
    expect(a.type).toBe("error");
    expect(a.error.type).toBe("rate_limit_error");
    expect(a.error.message).toContain("over its daily budget of $0.0005 (spent $0.0007)");

    g.setNow(Date.UTC(2026, 5, 11, 0, 0, 1));
    expect((await g.openai()).status).toBe(200);
  });

  test("monthly: refused until the 1st of the next month, whatever the day", async () => {
    const g = setup({ budget_usd_monthly: 0.0003, budget_usd_daily: 10 });
    expect((await g.openai()).status).toBe(200);
    const refused = await g.openai();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe(String((Date.UTC(2026, 6, 1) - g.now()) / 1000));
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      `key 'team' is over its monthly budget of $0.0003 (spent $${OPENAI_COST.toFixed(4)}); resets at 2026-07-01T00:00:00.000Z`,
    );
    g.setNow(Date.UTC(2026, 5, 11, 12));
    expect((await g.openai()).status).toBe(429);
    g.setNow(Date.UTC(2026, 6, 1, 0, 0, 1));
    expect((await g.openai()).status).toBe(200);
  });

  test("count_tokens is not billable: a key over its budget may still count", async () => {
    const g = setup({ budget_usd_daily: 0.0001 });
    expect((await g.openai()).status).toBe(200);
    expect((await g.openai()).status).toBe(429);
    expect((await g.anthropic("claude-priced", "/v1/messages/count_tokens")).status).toBe(200);
  });
});

describe("tokens per minute", () => {
  test("tokens counted after each answer; refused while the minute's count is at the limit, with Retry-After to the minute's end", async () => {
    const g = setup({ rate_limit_tpm: 150 });
    const first = await g.openai();
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("150");
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("150");
    const second = await g.openai(); // 120 used of 150: let through
    expect(second.status).toBe(200);
    expect(second.headers.get("x-ratelimit-remaining-tokens")).toBe("30");
    const refused = await g.openai();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(refused.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      "key 'team' is over its limit of 150 tokens per minute (used 240); resets at 2026-06-10T23:01:00.000Z",
    );
    const viaAnthropic = await g.anthropic();
    expect(viaAnthropic.status).toBe(429);
    expect(((await viaAnthropic.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
    g.setNow(g.now() + 30_000);
    expect((await g.openai()).status).toBe(200);
  });
});

describe("model allow-list", () => {
  test("a model outside the key's patterns is a 403 naming it and the patterns; case ignored; count_tokens too", async () => {
    const g = setup({ allowed_models: ["claude-*", "gpt-4o-mini"] });
    const refused = await g.openai("gpt-priced");
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: { type: string; message: string; param: string } };
    expect(body.error.message).toBe("key 'team' may not use model 'gpt-priced' (allowed: claude-*, gpt-4o-mini)");
    expect(body.error.param).toBe("model");
    const viaAnthropic = await g.anthropic("gpt-priced");
    expect(viaAnthropic.status).toBe(403);
    expect(((await viaAnthropic.json()) as { error: { type: string } }).error.type).toBe("permission_error");
    expect((await g.anthropic("gpt-priced", "/v1/messages/count_tokens")).status).toBe(403);
    expect((await g.openai("Claude-Priced")).status).toBe(200);
  });

  test("an empty list allows nothing", async () => {
    const g = setup({ allowed_models: [] });
    const refused = await g.openai("claude-priced");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe("key 'team' may not use model 'claude-priced' (it may use no model)");
  });
});
