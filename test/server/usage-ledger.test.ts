import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../src/config/schema.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import type { HealthDocument } from "../../src/server/health-document.ts";
import { RECORDED, usageUpstream, type UsageUpstream } from "../fakes/usage-upstream.ts";
import { testAccount, testKey } from "../support/test-app.ts";

/**
 * The usage ledger in the running gateway (startServer, SQLite beside the config): one row per LLM request with
 * the right fields for JSON and streams, passthrough and converted, errors and failovers; the rows are read from
 * the database file after a graceful shutdown (which writes what is buffered). Then the database failing while
 * requests are served.
 */

let dir: string;
let server: RunningServer | undefined;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lgw-usage-"))));
afterEach(async () => {
  await server?.shutdown(1000);
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const PRICES = {
  "gpt-priced": { input: 2, output: 10, cache_read: 1 },
  "claude-priced": { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
};
// USD per the fake's usage: OpenAI 70 uncached + 30 cached in, 20 out; Anthropic 100 + 30 read + 10 written in, 20 out.
const OPENAI_COST = (70 * 2 + 30 * 1 + 20 * 10) / 1e6;
const ANTHROPIC_COST = (100 * 3 + 30 * 0.3 + 10 * 3.75 + 20 * 15) / 1e6;

/** The server's log lines, and a wait for one (the ledger logs the start and the end of an outage once each). */
function logLines() {
  const lines: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  return {
    sink: {
      write(s: string) {
        lines.push(s);
        for (const w of [...waiters]) if (s.includes(w.text)) waiters.splice(waiters.indexOf(w), 1), w.resolve();
      },
    },
    waitFor: (text: string) => (lines.some((l) => l.includes(text)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }))),
  };
}

function start(up: UsageUpstream, patch: (c: Config) => void = () => {}, log = logLines()) {
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "b".repeat(64) });
  const key = testKey({ name: "team" });
  const accounts = {
    oa1: testAccount({ name: "oa1", provider: "openai-compatible", base_url: "http://oa1.test/v1", models: ["gpt-*"], priority: 0 }),
    oa2: testAccount({ name: "oa2", provider: "openai-compatible", base_url: "http://oa2.test/v1", models: ["gpt-*"], priority: 1 }),
    an: testAccount({ name: "an", provider: "anthropic", base_url: "http://an.test", models: ["claude-*"] }),
  };
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(accounts.oa1, accounts.oa2, accounts.an);
    c.model_routes.push({ id: "r1", source_model: "alias-gpt", target_model: "gpt-priced", priority: 0, enabled: true });
    c.usage.prices = PRICES;
    patch(c);
  });
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: log.sink, fetch: up.fetch });
  return { key, accounts, url: server.url, log, store };
}

type Row = Record<string, unknown>;
function rows(): Map<string, Row> {
  const db = new Database(join(dir, "usage.db"), { readonly: true });
  try {
    return new Map((db.query("SELECT * FROM usage_requests").all() as Row[]).map((r) => [r.request_id as string, r]));
  } finally {
    db.close();
  }
}

const tokens = (t: (typeof RECORDED)[keyof typeof RECORDED]) => ({
  input_tokens: t.inputTokens,
  output_tokens: t.outputTokens,
  cache_read_tokens: t.cacheReadTokens,
  cache_write_tokens: t.cacheWriteTokens,
  reasoning_tokens: t.reasoningTokens,
});
const noTokens = { input_tokens: null, output_tokens: null, cache_read_tokens: null, cache_write_tokens: null, reasoning_tokens: null };

describe("usage ledger in the running gateway", () => {
  test("one row per request: JSON and streams, passthrough and converted, errors, failover, no key", async () => {
    const up = usageUpstream();
    const { key, accounts, url } = start(up, (c) => void (c.gateway_keys[0]!.allowed_models = ["gpt-*", "claude-*", "alias-*", "nobody-*"]));
    const send = async (id: string, path: string, body: object, auth = true) => {
      const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": id };
      if (auth) {
        if (path === "/v1/messages") {
          headers["x-api-key"] = key.raw;
          headers["anthropic-version"] = "2023-06-01";
        } else headers.authorization = `Bearer ${key.raw}`;
      }
      const res = await fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, text };
    };
    const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: "user", content: "hi" }], ...extra });
    const messages = (model: string, extra: object = {}) => ({ model, max_tokens: 50, messages: [{ role: "user", content: "hi" }], ...extra });

    expect((await send("a-json", "/v1/chat/completions", chat("gpt-priced"))).status).toBe(200);
    const b = await send("b-stream-renamed", "/v1/chat/completions", chat("alias-gpt", { stream: true, stream_options: { include_usage: true } }));
    expect(b.text).toContain("[DONE]");
    expect((await send("c-converted-stream", "/v1/messages", messages("gpt-priced", { stream: true }))).text).toContain("message_stop");
    expect((await send("d-converted-json", "/v1/chat/completions", chat("claude-priced"))).status).toBe(200);
    expect((await send("e-no-account", "/v1/chat/completions", chat("nobody-serves-this"))).status).toBe(404);
    up.fail.add("oa1.test");
    expect((await send("f-failover", "/v1/chat/completions", chat("gpt-priced"))).status).toBe(200);
    up.fail.clear();
    expect((await send("g-passthrough-stream", "/v1/messages", messages("claude-priced", { stream: true }))).text).toContain("message_stop");
    // The client asks for no usage: the gateway asks for it, counts it, and keeps the usage chunk from the client.
    const h = await send("h-stream-no-usage", "/v1/chat/completions", chat("gpt-priced", { stream: true }));
    expect(h.text).toContain("[DONE]");
    expect(h.text).not.toContain('"usage"');
    expect((await send("i-no-key", "/v1/chat/completions", chat("gpt-priced"), false)).status).toBe(401);
    expect((await send("j-bad-json", "/v1/messages", { max_tokens: 5 })).status).toBe(400);
    expect((await send("k-not-allowed", "/v1/chat/completions", chat("forbidden-model", { stream: true }))).status).toBe(403);
    // OpenAI Responses and Gemini clients (converted to the Chat account), and Gemini's countTokens (not recorded).
    expect((await send("n-responses", "/v1/responses", { model: "gpt-priced", input: "hi" })).status).toBe(200);
    const gemini = await fetch(`${url}/v1beta/models/gpt-priced:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "x-goog-api-key": key.raw, "content-type": "application/json", "x-request-id": "o-gemini-stream" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(gemini.status).toBe(200);
    await gemini.text();
    const counted = await fetch(`${url}/v1beta/models/gpt-priced:countTokens`, {
      method: "POST",
      headers: { "x-goog-api-key": key.raw, "content-type": "application/json", "x-request-id": "p-gemini-count" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(counted.status).toBe(200);
    // Streams that arrive event by event (the others came whole): passthrough and converted, recorded at their end.
    expect((await send("l-chunked-passthrough", "/v1/chat/completions", chat("gpt-priced-chunked", { stream: true, stream_options: { include_usage: true } }))).text).toContain("[DONE]");
    expect((await send("m-chunked-converted", "/v1/chat/completions", chat("claude-priced-chunked", { stream: true, stream_options: { include_usage: true } }))).text).toContain("[DONE]");

    await server!.shutdown(1000);
    server = undefined;
    const r = rows();
    expect(r.size).toBe(15);
    const common = { key_id: key.key.id, status: 200, error_type: null };

    expect(r.get("a-json")).toMatchObject({
      ...common,
      account_id: accounts.oa1.id,
      provider: "openai-compatible",
      model_requested: "gpt-priced",
      model_served: "gpt-priced",
      client_dialect: "openai-chat",
      upstream_dialect: "openai-chat",
      stream: 0,
      attempts: 1,
      ...tokens(RECORDED.openai),
    });
    expect(r.get("a-json")!.cost_usd as number).toBeCloseTo(OPENAI_COST, 12);
    expect(r.get("b-stream-renamed")).toMatchObject({ ...common, model_requested: "alias-gpt", model_served: "gpt-priced", stream: 1, upstream_dialect: "openai-chat", ...tokens(RECORDED.openai) });
    expect(r.get("b-stream-renamed")!.cost_usd as number).toBeCloseTo(OPENAI_COST, 12);
    expect(r.get("c-converted-stream")).toMatchObject({ ...common, client_dialect: "anthropic-messages", upstream_dialect: "openai-chat", stream: 1, ...tokens(RECORDED.openai) });
    expect(r.get("d-converted-json")).toMatchObject({ ...common, account_id: accounts.an.id, provider: "anthropic", client_dialect: "openai-chat", upstream_dialect: "anthropic-messages", ...tokens(RECORDED.anthropic) });
    expect(r.get("d-converted-json")!.cost_usd as number).toBeCloseTo(ANTHROPIC_COST, 12);
    // Never reached an upstream: nothing was spent, a known 0.
    expect(r.get("e-no-account")).toMatchObject({ key_id: key.key.id, status: 404, error_type: "not_found", account_id: null, provider: null, model_requested: "nobody-serves-this", model_served: null, upstream_dialect: null, attempts: 0, cost_usd: 0, ...noTokens });
    expect(r.get("f-failover")).toMatchObject({ ...common, account_id: accounts.oa2.id, attempts: 2, ...tokens(RECORDED.openai) });
    expect(r.get("g-passthrough-stream")).toMatchObject({ ...common, client_dialect: "anthropic-messages", upstream_dialect: "anthropic-messages", stream: 1, ...tokens(RECORDED.anthropic) });
    expect(r.get("g-passthrough-stream")!.cost_usd as number).toBeCloseTo(ANTHROPIC_COST, 12);
    expect(r.get("h-stream-no-usage")).toMatchObject({ ...common, stream: 1, upstream_dialect: "openai-chat", ...tokens(RECORDED.openai) });
    expect(r.get("h-stream-no-usage")!.cost_usd as number).toBeCloseTo(OPENAI_COST, 12);
    expect(r.get("i-no-key")).toMatchObject({ key_id: null, status: 401, error_type: "authentication", attempts: 0, cost_usd: 0, model_requested: null });
    expect(r.get("j-bad-json")).toMatchObject({ key_id: key.key.id, status: 400, error_type: "invalid_request", client_dialect: "anthropic-messages", cost_usd: 0 });
    expect(r.get("k-not-allowed")).toMatchObject({ status: 403, error_type: "permission", model_requested: "forbidden-model", stream: 1, attempts: 0, cost_usd: 0 });
    expect(r.get("l-chunked-passthrough")).toMatchObject({ ...common, stream: 1, model_served: "gpt-priced-chunked", upstream_dialect: "openai-chat", ...tokens(RECORDED.openai) });
    expect(r.get("l-chunked-passthrough")!.cost_usd as number).toBeCloseTo(OPENAI_COST, 12);
    expect(r.get("m-chunked-converted")).toMatchObject({ ...common, stream: 1, upstream_dialect: "anthropic-messages", ...tokens(RECORDED.anthropic) });
    expect(r.get("m-chunked-converted")!.cost_usd as number).toBeCloseTo(ANTHROPIC_COST, 12);
    expect(r.get("n-responses")).toMatchObject({ ...common, client_dialect: "openai-responses", upstream_dialect: "openai-chat", model_requested: "gpt-priced", stream: 0, ...tokens(RECORDED.openai) });
    expect(r.get("o-gemini-stream")).toMatchObject({ ...common, client_dialect: "gemini", upstream_dialect: "openai-chat", model_requested: "gpt-priced", stream: 1, ...tokens(RECORDED.openai) });
    expect(r.has("p-gemini-count")).toBe(false);
    for (const row of r.values()) {
      expect(row.ttfb_ms as number).toBeGreaterThanOrEqual(0);
      expect(row.total_ms as number).toBeGreaterThanOrEqual(row.ttfb_ms as number);
      expect(row.ts as number).toBeGreaterThan(Date.now() - 60_000);
    }

    // The hourly and daily totals were written with the rows.
    const db = new Database(join(dir, "usage.db"), { readonly: true });
    const daily = db.query("SELECT SUM(requests) AS n, SUM(cost_usd) AS usd FROM usage_daily").get() as { n: number; usd: number };
    db.close();
    expect(daily.n).toBe(15);
    expect(daily.usd).toBeCloseTo(8 * OPENAI_COST + 3 * ANTHROPIC_COST, 12);
  });

  test("a reload that changes usage.prices prices the next request anew; recorded rows keep their cost", async () => {
    const up = usageUpstream();
    const { key, url, log, store } = start(up);
    const ask = (id: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.raw}`, "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ model: "gpt-priced", messages: [{ role: "user", content: "hi" }] }),
      }).then((r) => r.text());
    await ask("before");
    store.update((c) => void (c.usage.prices["gpt-priced"] = { input: 20, output: 100, cache_read: 10 }));
    await log.waitFor("configuration reloaded");
    await ask("after");
    await server!.shutdown(1000);
    server = undefined;
    const r = rows();
    expect(r.get("before")!.cost_usd as number).toBeCloseTo(OPENAI_COST, 12);
    expect(r.get("after")!.cost_usd as number).toBeCloseTo(OPENAI_COST * 10, 12);
  });

  test("count_tokens is not a billable request: no row", async () => {
    const up = usageUpstream();
    const { key, url } = start(up);
    const res = await fetch(`${url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": key.raw, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-priced", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    await server!.shutdown(1000);
    server = undefined;
    expect(rows().size).toBe(0);
  });

  test("the ledger off: no database file, requests served, /health without a ledger", async () => {
    const up = usageUpstream();
    const { key, url } = start(up, (c) => void (c.usage.enabled = false));
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.raw}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-priced", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    const health = (await (await fetch(`${url}/health`, { headers: { authorization: `Bearer ${key.raw}` } })).json()) as HealthDocument;
    expect(health.status).toBe("ok");
    expect(health.usage_ledger).toBeUndefined();
    await server!.shutdown(1000);
    server = undefined;
    expect(await Bun.file(join(dir, "usage.db")).exists()).toBe(false);
  });

  test("the database locked: requests still served, /health degraded with the reason (details for a key only), then writing resumes", async () => {
    const up = usageUpstream();
    const { key, url, log } = start(up, (c) => void (c.usage.flush_interval = 0.05));
    const auth = { authorization: `Bearer ${key.raw}`, "content-type": "application/json" };
    const ask = () =>
      fetch(`${url}/v1/chat/completions`, { method: "POST", headers: auth, body: JSON.stringify({ model: "gpt-priced", messages: [{ role: "user", content: "hi" }] }) });
    const health = async (withKey = true) =>
      (await (await fetch(`${url}/health`, { headers: withKey ? { authorization: `Bearer ${key.raw}` } : {} })).json()) as HealthDocument;
    const waitFor = async (cond: (h: HealthDocument) => boolean, what: string) => {
      for (let i = 0; i < 100_000; i++) {
        const h = await health();
        if (cond(h)) return h;
      }
      throw new Error(`never: ${what}`);
    };

    expect((await ask()).status).toBe(200);
    await waitFor((h) => h.usage_ledger?.written === 1, "the first row written");
    const holder = new Database(join(dir, "usage.db"));
    holder.run("PRAGMA busy_timeout = 5000");
    holder.run("BEGIN IMMEDIATE");
    try {
      for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(200);
      // The writer waits for the lock (up to its busy timeout), then reports the outage once.
      await log.waitFor("usage ledger: cannot write to its database");
      const degraded = await health();
      expect(degraded.status).toBe("degraded");
      expect(degraded.usage_ledger!.reason).toStartWith("database locked");
      expect(degraded.usage_ledger!.buffered).toBe(5);
      // Without a key: the status only.
      const anonymous = await health(false);
      expect(anonymous).toEqual({ status: "degraded", accounts: { healthy: 3, total: 3 } });
      expect((await ask()).status).toBe(200);
    } finally {
      holder.run("COMMIT");
      holder.close();
    }
    await log.waitFor("usage ledger: writing again");
    const recovered = await waitFor((h) => h.usage_ledger?.state === "ok" && h.usage_ledger.buffered === 0, "written again");
    expect(recovered.status).toBe("ok");
    expect(recovered.usage_ledger!.written).toBe(7);
    await server!.shutdown(1000);
    server = undefined;
    expect(rows().size).toBe(7);
  }, 30_000);
});
