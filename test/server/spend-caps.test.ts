import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import type { HealthDocument } from "../../src/server/health-document.ts";
import { usageUpstream } from "../fakes/usage-upstream.ts";
import { testAccount, testKey } from "../support/test-app.ts";

/**
 * Account spend caps in the running gateway, with an injected clock: an account over its cap leaves rotation
 * (the next account serves), shows as spend_capped in /health with the time it comes back, and is back once the
 * period resets. When every account for a model is capped, the client gets a 429 with Retry-After to the reset.
 */

let dir: string;
let server: RunningServer | undefined;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lgw-caps-"))));
afterEach(async () => {
  await server?.shutdown(1000);
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

test("an account over its daily cap leaves rotation until UTC midnight; a model whose only account is capped gets 429 until the month ends", async () => {
  let now = Date.UTC(2026, 5, 10, 22, 0, 0);
  const up = usageUpstream();
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "b".repeat(64) });
  const key = testKey({ name: "team" });
  const capped = testAccount({ name: "cheap", provider: "openai-compatible", base_url: "http://oa1.test/v1", models: ["gpt-*"], priority: 0, spend_cap_usd_daily: 0.0005 });
  const spare = testAccount({ name: "spare", provider: "openai-compatible", base_url: "http://oa2.test/v1", models: ["gpt-*"], priority: 1 });
  const lone = testAccount({ name: "lone", provider: "anthropic", base_url: "http://an.test", models: ["claude-*"], spend_cap_usd_monthly: 0.0001 });
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(capped, spare, lone);
    c.usage.prices = { "gpt-priced": { input: 2, output: 10, cache_read: 1 }, "claude-priced": { input: 3, output: 15 } };
  });
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} }, fetch: up.fetch, clock: () => now });
  const url = server.url;
  const ask = async (model: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.raw}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
  };
  const health = async () => (await (await fetch(`${url}/health`, { headers: { authorization: `Bearer ${key.raw}` } })).json()) as HealthDocument;
  const servedBy = () => up.seen.at(-1);

  // 0.00037 a request: the first two fit under 0.0005 (checked before each, settled after).
  await ask("gpt-priced");
  expect(servedBy()).toBe("oa1.test");
  await ask("gpt-priced");
  expect(servedBy()).toBe("oa1.test");
  expect((await ask("gpt-priced")).status).toBe(200);
  expect(servedBy()).toBe("oa2.test");

  const h = await health();
  expect(h.status).toBe("degraded");
  expect(h.accounts.items!.find((a) => a.id === capped.id)).toEqual({
    id: capped.id,
    state: "spend_capped",
    until: "2026-06-11T00:00:00.000Z",
    reason: "spend_cap_daily",
    detail: "over its daily spend cap of $0.0005 (spent $0.0007); back in rotation at 2026-06-11T00:00:00.000Z",
    consecutive_failures: 0,
  });

  // Only one account serves claude-*: once it is capped the client is told when to come back.
  expect((await ask("claude-priced")).status).toBe(200);
  const refused = await ask("claude-priced");
  expect(refused.status).toBe(429);
  expect(Number(refused.retryAfter)).toBe((Date.UTC(2026, 6, 1) - now) / 1000);
  expect(refused.body).toContain("over its monthly spend cap of $0.0001");

  // Past midnight: the daily cap is lifted, the monthly one holds.
  now = Date.UTC(2026, 5, 11, 0, 0, 1);
  expect((await ask("gpt-priced")).status).toBe(200);
  expect(servedBy()).toBe("oa1.test");
  expect((await health()).accounts.items!.find((a) => a.id === capped.id)!.state).toBe("healthy");
  expect((await ask("claude-priced")).status).toBe(429);
  now = Date.UTC(2026, 6, 1, 0, 0, 1);
  expect((await ask("claude-priced")).status).toBe(200);
});
