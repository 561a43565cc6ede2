/**
 * The routing rules (README "How requests are served": health, failover, timeouts) through the real app and router, against real sockets: authentication failures,
 * client errors, everything cooling, dialect re-encoding on failover, every timeout, recovery, strategies.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { account, type ClientDialect, errorType, makeRig, statusUpstream, upstreamPool } from "./harness.ts";

const pool = upstreamPool();
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await pool.stopAll();
  await Promise.all(stops.splice(0).map((s) => s()));
});

function status(post: number, models?: number) {
  const u = statusUpstream({ post, models });
  stops.push(u.stop);
  return u;
}

const clients: ClientDialect[] = ["openai", "anthropic"];

describe("authentication failures and client errors", () => {
  for (const code of [401, 403]) {
    test(`${code} from an upstream: auth_failed, excluded from then on, the client is served by the other account`, async () => {
      const bad = status(code);
      const good = await pool.start({ mode: "ok", text: "from B" });
      const rig = makeRig([account("openai-compatible", bad.url, "a"), account("anthropic", good.url, "b")]);
      for (const client of clients) {
        const r = await rig.ask(client);
        expect(r.status).toBe(200);
        expect(r.text).toBe("from B");
      }
      expect(bad.seen.length).toBe(1); // the second request skipped it
      expect(rig.router.status("up_a")).toMatchObject({ state: "auth_failed", reason: `auth_${code}` });
      expect(rig.router.status("up_a").detail).toContain("authentication failed");
    });
  }

  test("every account failing auth: 503 in the client's dialect (never the upstream's 401, which would blame the client's key)", async () => {
    const a = status(401);
    const b = status(401);
    const rig = makeRig([account("openai-compatible", a.url, "a"), account("anthropic", b.url, "b")]);
    for (const client of clients) {
      const r = await rig.ask(client);
      expect(r.status).toBe(503);
      errorType(client, r.json);
      expect(r.json.error.message).toContain("authentication failed");
    }
    expect(a.seen.length + b.seen.length).toBe(2);
  });

  for (const client of clients) {
    test(`${client}: a 400 is passed back, never retried, never counted against the account`, async () => {
      const a = status(400);
      const b = await pool.start("ok");
      const rig = makeRig([account(client === "openai" ? "openai-compatible" : "anthropic", a.url, "a"), account("openai-compatible", b.url, "b")]);
      const r = await rig.ask(client);
      expect(r.status).toBe(400);
      expect(errorType(client, r.json)).toBe("invalid_request_error");
      expect(r.json.error.message).toBe("status 400");
      expect(b.requests.length).toBe(0);
      expect(rig.router.status("up_a")).toMatchObject({ state: "healthy", consecutiveFailures: 0, recentFailures: 0, inFlight: 0 });
    });
  }
});

describe("everything cooling or open", () => {
  for (const client of clients) {
    test(`${client}: all rate-limited → 429 with Retry-After = earliest recovery; the next request touches no upstream`, async () => {
      const a = await pool.start({ mode: "429", retryAfter: "40" });
      const b = await pool.start({ mode: "429", retryAfter: "15" });
      const rig = makeRig([account("anthropic", a.url, "a"), account("openai-compatible", b.url, "b")]);
      for (const stream of [false, true]) {
        const r = await rig.ask(client, { stream });
        expect(r.status).toBe(429);
        expect(errorType(client, r.json)).toBe(client === "openai" ? "rate_limit_exceeded" : "rate_limit_error");
        const ra = Number(r.headers.get("retry-after"));
        expect(ra).toBeGreaterThanOrEqual(14);
        expect(ra).toBeLessThanOrEqual(15);
      }
      expect(a.requests.length + b.requests.length).toBe(2);
    });

    test(`${client}: overloaded and failing → the last upstream answer (B's 500) is relayed, not the gateway's 503`, async () => {
      const a = await pool.start({ mode: "529", retryAfter: "20" });
      const b = await pool.start("500");
      const rig = makeRig([account("anthropic", a.url, "a"), account("openai-compatible", b.url, "b")], { patch: { routing: { base_open_time: 7 } } });
      const r = await rig.ask(client);
      expect(r.status).toBe(500);
      expect(errorType(client, r.json)).toBe(client === "openai" ? "server_error" : "api_error");
      expect(r.json.error.message).toBe("internal error in the fault upstream");
      expect(rig.router.status("up_a")).toMatchObject({ state: "cooling", reason: "overloaded" });
      expect(rig.router.status("up_b")).toMatchObject({ state: "circuit_open", breaker: "open" });
      // Panic mode (the default): B's breaker is all that keeps it out, so the next request is tried on it.
      const again = await rig.ask(client);
      expect(again.status).toBe(500);
      expect([a.requests.length, b.requests.length]).toEqual([1, 2]);
    });

    test(`${client}: overloaded and open, panic mode off → no upstream is asked: 503 with Retry-After = earliest recovery`, async () => {
      const a = await pool.start({ mode: "529", retryAfter: "20" });
      const b = await pool.start("500");
      const rig = makeRig([account("anthropic", a.url, "a"), account("openai-compatible", b.url, "b")], {
        patch: { routing: { base_open_time: 7, panic_mode: false } },
      });
      expect((await rig.ask(client)).status).toBe(500);
      const r = await rig.ask(client);
      expect(r.status).toBe(503);
      errorType(client, r.json);
      expect(r.json.error.message).toContain("every upstream account for model fault-model is unavailable");
      const ra = Number(r.headers.get("retry-after"));
      expect(ra).toBeGreaterThanOrEqual(6);
      expect(ra).toBeLessThanOrEqual(7);
      expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
    });
  }
});

describe("failover re-encodes for the next account's dialect", () => {
  test("OpenAI client: Anthropic account 529s, OpenAI-compatible account answers", async () => {
    const a = await pool.start("529");
    const b = await pool.start({ mode: "ok", text: "from B" });
    const rig = makeRig([account("anthropic", a.url, "a"), account("openai-compatible", b.url, "b")]);
    const r = await rig.ask("openai", { stream: true, body: { max_tokens: 33 } });
    expect(r).toMatchObject({ status: 200, text: "from B", completed: true });
    expect(a.requests[0]).toMatchObject({ path: "/v1/messages", body: { max_tokens: 33, messages: [{ role: "user" }] } });
    expect(b.requests[0]).toMatchObject({ path: "/v1/chat/completions", body: { messages: [{ role: "user", content: "hi" }] } });
  });

  test("Anthropic client: OpenAI-compatible account resets, Anthropic account answers byte-for-byte", async () => {
    const a = await pool.start("reset-before-headers");
    const b = await pool.start({ mode: "ok", text: "from B" });
    const rig = makeRig([account("openai-compatible", a.url, "a"), account("anthropic", b.url, "b")]);
    const r = await rig.ask("anthropic", { stream: true });
    expect(r).toMatchObject({ status: 200, text: "from B", completed: true });
    expect(a.requests[0]!.path).toBe("/v1/chat/completions");
    expect(b.requests[0]!.path).toBe("/v1/messages");
  });

  test("an Anthropic stream that opens with `event: error` (overloaded on a 200) fails over and cools the account", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n', {
          headers: { "content-type": "text/event-stream" },
        }),
    });
    stops.push(() => server.stop(true));
    const b = await pool.start({ mode: "ok", text: "from B" });
    const rig = makeRig([account("anthropic", `http://127.0.0.1:${server.port}`, "a"), account("anthropic", b.url, "b")]);
    const r = await rig.ask("anthropic", { stream: true });
    expect(r).toMatchObject({ status: 200, text: "from B", completed: true });
    expect(rig.router.status("up_a")).toMatchObject({ state: "cooling", reason: "overloaded" });
  });
});

describe("timeouts end in a clear error in the client's dialect and abort the upstream", () => {
  for (const client of clients) {
    test(`${client}: every account hangs before headers → 504 after first_byte_timeout, connections closed`, async () => {
      const a = await pool.start("hang-before-headers");
      const b = await pool.start("hang-before-headers");
      const rig = makeRig([account("anthropic", a.url, "a"), account("openai-compatible", b.url, "b")]);
      const r = await rig.ask(client, { stream: true });
      expect(r.status).toBe(504);
      expect(errorType(client, r.json)).toBe(client === "openai" ? "server_error" : "timeout_error");
      expect(r.json.error.message).toContain("first byte timeout");
      // The breakers opened on those timeouts: the client also learns when to come back.
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      await a.waitForClosed(1);
      await b.waitForClosed(1);
      expect(rig.router.status("up_a").lastFailure?.what).toBe("timed out");
    });

    test(`${client}: total_timeout ends a stream that keeps the connection open (error event) and a JSON body (504)`, async () => {
      const a = await pool.start("hang-mid-stream");
      // Idle would allow far longer: only the total deadline can end these.
      const rig = makeRig([account(client === "openai" ? "openai-compatible" : "anthropic", a.url, "a")], {
        patch: { proxy: { stream_idle_timeout: 60, first_byte_timeout: 60, total_timeout: 0.3 } },
      });
      const s = await rig.ask(client, { stream: true });
      expect(s.status).toBe(200);
      expect(s.completed).not.toBe(true);
      errorType(client, s.streamError);
      expect(JSON.stringify(s.streamError)).toContain("total timeout");
      await a.waitForClosed(1);
      rig.router.registry.reset("up_a");
      const j = await rig.ask(client);
      expect(j.status).toBe(504);
      expect(j.json.error.message).toContain("total timeout");
      await a.waitForClosed(2);
    });
  }
});

describe("recovery and strategies", () => {
  test("breaker: open → half-open after base_open_time → the probe request succeeds → closed; cooldowns end by themselves", async () => {
    let now = Date.parse("2026-03-01T00:00:00Z");
    const a = await pool.start("ok");
    a.script("500", { mode: "429", retryAfter: "30" });
    const b = await pool.start("ok");
    const rig = makeRig([account("openai-compatible", a.url, "a"), account("openai-compatible", b.url, "b")], {
      clock: () => now,
      patch: { routing: { base_open_time: 10 } },
    });
    expect((await rig.ask("openai")).status).toBe(200); // A 500 → B
    expect(rig.router.status("up_a").state).toBe("circuit_open");
    expect((await rig.ask("openai")).status).toBe(200); // A skipped
    expect(a.requests.length).toBe(1);
    now += 10_001;
    expect(rig.router.status("up_a").state).toBe("half_open");
    expect((await rig.ask("openai")).status).toBe(200); // A's probe: 429 → cooling, B answers
    expect(rig.router.status("up_a")).toMatchObject({ state: "cooling", reason: "rate_limited" });
    now += 30_001;
    const r = await rig.ask("openai"); // A again (half-open probe, now ok) → closed
    expect(r.status).toBe(200);
    expect(a.requests.length).toBe(3);
    expect(rig.router.status("up_a")).toMatchObject({ state: "healthy", breaker: "closed" });
  });

  test("per-route strategy wins over the global one; sticky sessions keep a conversation on one account", async () => {
    const a = await pool.start("ok");
    const b = await pool.start("ok");
    const rig = makeRig([account("openai-compatible", a.url, "a"), account("openai-compatible", b.url, "b")], {
      patch: { routing: { strategy: "health-first" } },
    });
    for (let i = 0; i < 4; i++) await rig.ask("openai");
    expect([a.requests.length, b.requests.length]).toEqual([2, 2]); // round-robin
    rig.setConfig({
      ...rig.config,
      model_routes: [{ id: "r1", source_model: "*", target_model: "*", priority: 0, enabled: true, strategy: "priority" }],
    });
    for (let i = 0; i < 4; i++) await rig.ask("openai");
    expect([a.requests.length, b.requests.length]).toEqual([6, 2]);
    rig.setConfig(rig.config);
    for (let i = 0; i < 4; i++) await rig.ask("openai", { headers: { "x-session-id": "conv-1" } });
    const after = [a.requests.length, b.requests.length];
    expect(after[0] === 10 || after[1] === 6).toBe(true); // all four on one account
    rig.setConfig({ ...rig.config, routing: { ...rig.config.routing, sticky: { ...rig.config.routing.sticky, enabled: false } } });
    for (let i = 0; i < 4; i++) await rig.ask("openai", { headers: { "x-session-id": "conv-1" } });
    expect([a.requests.length - after[0]!, b.requests.length - after[1]!]).toEqual([2, 2]);
  });
});
