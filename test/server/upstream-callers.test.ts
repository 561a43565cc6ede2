// Every caller of an upstream (the proxy, count_tokens, the health probe) goes through src/upstream/call-account.ts:
// the same loop-guard header, the same one OAuth refresh on a 401, the same outbound proxy, the same failure
// classification. Each behaviour is checked through each caller's own entry point.
import { describe, expect, test } from "bun:test";
import type { Config, UpstreamAccount } from "../../src/config/schema.ts";
import type { RouterPort } from "../../src/gateway/proxy-llm-request.ts";
import { mockFetch } from "../../src/providers/mock.ts";
import type { UpstreamOutcome } from "../../src/routing/classify-outcome.ts";
import type { PlanOptions, RoutingTable } from "../../src/routing/router.ts";
import { createAccountProbe } from "../../src/runtime/probe-account.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { HOPS_HEADER, MAX_HOPS } from "../../src/upstream/call-account.ts";
import { allAccountsRouter, testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

const k = testKey();
const MESSAGE = {
  id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [{ type: "text", text: "hi" }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 },
};

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  proxy?: string;
}

/** An Anthropic upstream: each endpoint's success answer, unless `fail` answers the call first. */
function upstream(fail?: (seen: Seen) => Response | undefined) {
  const seen: Seen[] = [];
  const fetch = (async (url: string, init: RequestInit & { proxy?: string }) => {
    const s = { url, method: String(init.method), headers: new Headers(init.headers), proxy: init.proxy };
    seen.push(s);
    const failed = fail?.(s);
    if (failed) return failed;
    if (url.endsWith("/count_tokens")) return Response.json({ input_tokens: 7 });
    if (url.endsWith("/models")) return Response.json({ data: [] });
    return Response.json(MESSAGE);
  }) as FetchFn;
  return { fetch, seen };
}

interface Run {
  fetch: FetchFn;
  account: UpstreamAccount;
  config?: Partial<Config>;
  clientHeaders?: Record<string, string>;
  credential?: string;
  refreshCredential?: (account: UpstreamAccount, failed: string) => Promise<string>;
}

/** What a caller ended with: the client's status (none for the probe) and the outcome the router was told. */
interface Result {
  status?: number;
  body?: unknown;
  outcome?: UpstreamOutcome;
}

interface Caller {
  name: string;
  /** Whether a client request stands behind the call (the probe has none, so no hop count to carry on). */
  hasClient: boolean;
  run(r: Run): Promise<Result>;
}

function httpCaller(name: string, path: string): Caller {
  return {
    name,
    hasClient: true,
    async run(r) {
      const reports: UpstreamOutcome[] = [];
      const router: RouterPort = { ...allAccountsRouter, report: (_id, outcome) => void reports.push(outcome) };
      const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [r.account], ...r.config }), {
        fetch: r.fetch,
        router,
        credentials: r.credential ? { [r.account.id]: r.credential } : undefined,
        refreshCredential: r.refreshCredential,
      });
      const res = await request(path, {
        json: { model: "claude-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }] },
        headers: { "x-api-key": k.raw, "anthropic-version": "2023-06-01", ...r.clientHeaders },
      });
      return { status: res.status, body: await res.json(), outcome: reports.at(-1) };
    },
  };
}

const probeCaller: Caller = {
  name: "the health probe",
  hasClient: false,
  async run(r) {
    const config = testConfig({ upstream_accounts: [r.account], ...r.config });
    const probe = createAccountProbe({
      config: () => config,
      fetch: r.fetch,
      mockFetch: mockFetch as FetchFn,
      credential: () => r.credential,
      refreshCredential: r.refreshCredential,
    });
    return { outcome: await probe(r.account) };
  },
};

const callers = [httpCaller("the proxy", "/v1/messages"), httpCaller("count_tokens", "/v1/messages/count_tokens"), probeCaller];
const anthropicAccount = (over: Partial<UpstreamAccount> = {}) =>
  testAccount({ provider: "anthropic", base_url: "http://anthropic.test", models: ["claude-x"], ...over });

for (const caller of callers) {
  describe(caller.name, () => {
    test("sends the hop count: one more than the client's", async () => {
      const { fetch, seen } = upstream();
      const r = await caller.run({ fetch, account: anthropicAccount(), clientHeaders: { [HOPS_HEADER]: "2" } });
      expect(r.outcome).toMatchObject({ kind: "success" });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.headers.get(HOPS_HEADER)).toBe(caller.hasClient ? "3" : "1");
    });

    if (caller.hasClient) {
      test("a request that went through the gateway limit is refused with 508, no account asked", async () => {
        const { fetch, seen } = upstream();
        const r = await caller.run({ fetch, account: anthropicAccount(), clientHeaders: { [HOPS_HEADER]: String(MAX_HOPS) } });
        expect(r.status).toBe(508);
        expect(r.body).toMatchObject({ type: "error", error: { message: expect.stringContaining("loop") } });
        expect(seen).toHaveLength(0);
        expect(r.outcome).toBeUndefined();
      });
    }

    test("an OAuth 401: exactly one refresh and one retry with the new token", async () => {
      const { fetch, seen } = upstream((s) =>
        s.headers.get("authorization") === "Bearer old"
          ? Response.json({ type: "error", error: { type: "authentication_error", message: "token revoked" } }, { status: 401 })
          : undefined,
      );
      const refreshed: string[] = [];
      const r = await caller.run({
        fetch,
        account: anthropicAccount({ type: "oauth" }),
        credential: "old",
        refreshCredential: async (_a, failed) => {
          refreshed.push(failed);
          return "new";
        },
      });
      expect(refreshed).toEqual(["old"]);
      expect(seen.map((s) => s.headers.get("authorization"))).toEqual(["Bearer old", "Bearer new"]);
      expect(r.outcome).toMatchObject({ kind: "success" });
      if (caller.hasClient) expect(r.status).toBe(200);
    });

    test("the outbound proxy from `environment` applies, and no_proxy skips it", async () => {
      const environment = { http_proxy: "http://proxy.test:3128", https_proxy: "", no_proxy: "" };
      const a = upstream();
      await caller.run({ fetch: a.fetch, account: anthropicAccount(), config: { environment } });
      const b = upstream();
      await caller.run({ fetch: b.fetch, account: anthropicAccount(), config: { environment: { ...environment, no_proxy: "anthropic.test" } } });
      expect(a.seen.map((s) => s.proxy)).toEqual(["http://proxy.test:3128"]);
      expect(b.seen.map((s) => s.proxy)).toEqual([undefined]);
    });

    test("failures classify the same: status, provider code and headers reach the router (and the client)", async () => {
      const { fetch } = upstream(() =>
        Response.json(
          { type: "error", error: { type: "rate_limit_error", message: "spend limit reached", details: { error_code: "enforced_spend_limit_reached" } } },
          { status: 429, headers: { "anthropic-ratelimit-requests-remaining": "0" } },
        ),
      );
      const r = await caller.run({ fetch, account: anthropicAccount(), credential: "sk-ant" });
      expect(r.outcome).toMatchObject({ kind: "http", status: 429, errorCode: "enforced_spend_limit_reached" });
      expect((r.outcome as { headers: Headers }).headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
      if (caller.hasClient) {
        expect(r.status).toBe(429);
        expect(r.body).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: "spend limit reached" } });
      }
    });

    test("an API key's 401 is not refreshed: the account's auth failure", async () => {
      const { fetch, seen } = upstream(() => Response.json({ type: "error", error: { type: "authentication_error", message: "bad key" } }, { status: 401 }));
      let refreshes = 0;
      const r = await caller.run({ fetch, account: anthropicAccount(), credential: "sk-ant", refreshCredential: async () => (refreshes++, "x") });
      expect([refreshes, seen.length]).toEqual([0, 1]);
      expect(r.outcome).toMatchObject({ kind: "http", status: 401 });
    });
  });
}

describe("count_tokens asks the router as the proxy does", () => {
  /** A router that records what each request asked for. */
  function planRecorder() {
    const asked: { strategy: RoutingTable["strategy"]; sessionKey: PlanOptions["sessionKey"] }[] = [];
    const router: RouterPort = {
      ...allAccountsRouter,
      plan: (config, model, opts) => {
        asked.push({ strategy: config.strategy, sessionKey: opts?.sessionKey });
        return allAccountsRouter.plan(config, model, opts);
      },
    };
    return { router, asked };
  }

  const ask = async (routing: Partial<Config["routing"]>) => {
    const { router, asked } = planRecorder();
    const base = testConfig();
    const config = testConfig({ gateway_keys: [k.key], upstream_accounts: [testAccount()], routing: { ...base.routing, ...routing } });
    const { request } = testApp(config, { router });
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const res = await request(path, {
        json: { model: "claude-x", max_tokens: 16, metadata: { user_id: "u1" }, messages: [{ role: "user", content: "hi" }] },
        headers: { "x-api-key": k.raw, "x-conv": "c1", "x-session-id": "s1" },
      });
      expect(res.status).toBe(200);
    }
    return asked;
  };

  test("the configured strategy and sticky headers", async () => {
    const asked = await ask({ strategy: "priority", sticky: { enabled: true, headers: ["x-conv"], ttl: 60 } });
    expect(asked).toEqual([
      { strategy: "priority", sessionKey: "h:x-conv:c1" },
      { strategy: "priority", sessionKey: "h:x-conv:c1" },
    ]);
  });

  test("sticky routing off: no session key for either", async () => {
    const asked = await ask({ sticky: { enabled: false, headers: ["x-conv"], ttl: 60 } });
    expect(asked.map((a) => a.sessionKey)).toEqual([undefined, undefined]);
  });
});
