import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { accountFailure, callAccount, HOPS_HEADER, MAX_HOPS, modelsUrl, nextHops, type Outbound, type UpstreamDeps } from "./call-account.ts";

const account = (over: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  id: "up_a",
  name: "a",
  type: "api-key",
  provider: "anthropic",
  base_url: "http://anthropic.test",
  weight: 1,
  priority: 0,
  status: "active",
  created_at: new Date(0).toISOString(),
  ...over,
});

const noProxy = { http_proxy: "", https_proxy: "", no_proxy: "" };
const out = (over: Partial<Outbound> = {}): Outbound => ({
  client: { signal: new AbortController().signal, headers: new Headers() },
  hops: "1",
  timeouts: { firstByte: 5000, streamIdle: 5000, total: 5000 },
  environment: noProxy,
  ...over,
});

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
  proxy?: string;
}

/** A fetch that records each call and answers with `answer(call number, seen)`. */
function recording(answer: (n: number, seen: Seen) => Response = () => Response.json({ ok: true })) {
  const seen: Seen[] = [];
  const fetch = (async (url: string, init: RequestInit & { proxy?: string }) => {
    const s = { url, method: String(init.method), headers: new Headers(init.headers), body: init.body, proxy: init.proxy };
    seen.push(s);
    return answer(seen.length, s);
  }) as FetchFn;
  return { fetch, seen };
}

const deps = (fetch: FetchFn, over: Partial<UpstreamDeps> = {}): UpstreamDeps => ({
  fetch,
  mockFetch: (() => Promise.reject(new Error("not the mock"))) as FetchFn,
  credential: () => "sk-1",
  ...over,
});

describe("nextHops", () => {
  test("counts this gateway; the limit's last hop passes, one more is a 508", () => {
    expect(nextHops(new Headers())).toBe("1");
    expect(nextHops(new Headers({ [HOPS_HEADER]: String(MAX_HOPS - 1) }))).toBe(String(MAX_HOPS));
    const err = (() => {
      try {
        nextHops(new Headers({ [HOPS_HEADER]: String(MAX_HOPS) }));
      } catch (e) {
        return e;
      }
    })() as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(508);
    expect(err.message).toContain("loop");
  });

  test("a value that is not a positive number counts as none: it cannot switch the guard off", () => {
    for (const v of ["abc", "-100", "", "NaN"]) expect(nextHops(new Headers({ [HOPS_HEADER]: v }))).toBe("1");
    expect(() => nextHops(new Headers({ [HOPS_HEADER]: "Infinity" }))).toThrow(GatewayError);
  });
});

describe("callAccount", () => {
  test("POSTs the body to the provider's URL with its auth headers and the hop count", async () => {
    const { fetch, seen } = recording();
    const ex = await callAccount(deps(fetch), out({ hops: "3" }), { account: account(), dialect: "anthropic-messages", model: "claude-x", body: '{"a":1}' });
    expect(ex.response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: "http://anthropic.test/v1/messages", method: "POST", body: '{"a":1}', proxy: undefined });
    expect(seen[0]!.headers.get("x-api-key")).toBe("sk-1");
    expect(seen[0]!.headers.get(HOPS_HEADER)).toBe("3");
    await ex.text();
  });

  test("count_tokens endpoint; the model list is a GET without body or content-type", async () => {
    const { fetch, seen } = recording();
    await (await callAccount(deps(fetch), out(), { account: account(), dialect: "anthropic-messages", model: "m", endpoint: "count_tokens", body: "{}" })).text();
    await (await callAccount(deps(fetch), out(), { account: account(), dialect: "anthropic-messages", model: "m", endpoint: "models" })).text();
    expect(seen[0]).toMatchObject({ url: "http://anthropic.test/v1/messages/count_tokens", method: "POST" });
    expect(seen[1]).toMatchObject({ url: "http://anthropic.test/v1/models", method: "GET", body: undefined });
    expect(seen[1]!.headers.has("content-type")).toBe(false);
    expect(seen[1]!.headers.get(HOPS_HEADER)).toBe("1");
  });

  test("the outbound proxy from `environment`, skipped for no_proxy hosts", async () => {
    const { fetch, seen } = recording();
    const call = { account: account(), dialect: "anthropic-messages", model: "m", body: "{}" } as const;
    await (await callAccount(deps(fetch), out({ environment: { ...noProxy, http_proxy: "http://proxy.test:3128" } }), call)).text();
    await (await callAccount(deps(fetch), out({ environment: { http_proxy: "http://proxy.test:3128", https_proxy: "", no_proxy: "anthropic.test" } }), call)).text();
    expect(seen.map((s) => s.proxy)).toEqual(["http://proxy.test:3128", undefined]);
  });

  test("mock accounts are answered by the in-process fetch", async () => {
    const { fetch: mockFetch, seen } = recording();
    const network = recording();
    await (await callAccount(deps(network.fetch, { mockFetch }), out(), { account: account({ provider: "mock" }), dialect: "openai-chat", model: "m", body: "{}" })).text();
    expect(seen).toHaveLength(1);
    expect(network.seen).toHaveLength(0);
  });

  describe("a 401", () => {
    const unauthorizedFor = (token: string) => (_n: number, s: Seen) =>
      s.headers.get("authorization") === `Bearer ${token}` ? Response.json({ type: "error", error: { type: "authentication_error", message: "revoked" } }, { status: 401 }) : Response.json({ ok: true });

    test("to an OAuth token: exactly one refresh and one retry with the new token", async () => {
      const { fetch, seen } = recording(unauthorizedFor("old"));
      const refreshed: string[] = [];
      const d = deps(fetch, { credential: () => Promise.resolve("old"), refreshCredential: async (_a, failed) => (refreshed.push(failed), "new") });
      const ex = await callAccount(d, out(), { account: account({ type: "oauth" }), dialect: "anthropic-messages", model: "m", body: "{}" });
      expect(ex.response.status).toBe(200);
      expect(refreshed).toEqual(["old"]);
      expect(seen.map((s) => s.headers.get("authorization"))).toEqual(["Bearer old", "Bearer new"]);
      await ex.text();
    });

    test("to the refreshed token too: that answer is final (no second refresh)", async () => {
      const { fetch, seen } = recording(() => new Response("no", { status: 401 }));
      let refreshes = 0;
      const d = deps(fetch, { credential: () => "old", refreshCredential: async () => (refreshes++, "new") });
      const ex = await callAccount(d, out(), { account: account({ type: "oauth" }), dialect: "anthropic-messages", model: "m", body: "{}" });
      expect(ex.response.status).toBe(401);
      expect(refreshes).toBe(1);
      expect(seen).toHaveLength(2);
      await ex.text();
    });

    test("to an API key: no refresh, the 401 is the answer", async () => {
      const { fetch, seen } = recording(() => new Response("no", { status: 401 }));
      let refreshes = 0;
      const d = deps(fetch, { refreshCredential: async () => (refreshes++, "new") });
      const ex = await callAccount(d, out(), { account: account(), dialect: "anthropic-messages", model: "m", body: "{}" });
      expect(ex.response.status).toBe(401);
      expect([refreshes, seen.length]).toEqual([0, 1]);
      await ex.text();
    });
  });

  test("a credential that cannot be had rejects the call (never a synchronous throw)", async () => {
    const { fetch, seen } = recording();
    const boom = new GatewayError(401, "authentication", "needs a new login");
    const d = deps(fetch, {
      credential: () => {
        throw boom;
      },
    });
    const p = callAccount(d, out(), { account: account(), dialect: "anthropic-messages", model: "m", body: "{}" });
    expect(p).toBeInstanceOf(Promise);
    expect(await p.catch((e) => e)).toBe(boom);
    expect(seen).toHaveLength(0);
  });
});

describe("accountFailure", () => {
  test("the error in the upstream dialect's terms with its forwarded headers, and the outcome with the provider's code", async () => {
    const { fetch } = recording(() =>
      Response.json(
        { type: "error", error: { type: "rate_limit_error", message: "spend limit", details: { error_code: "enforced_spend_limit_reached" } } },
        { status: 429, headers: { "retry-after": "30", "request-id": "req_1", "anthropic-ratelimit-requests-remaining": "0" } },
      ),
    );
    const ex = await callAccount(deps(fetch), out(), { account: account(), dialect: "anthropic-messages", model: "m", body: "{}" });
    const { error, outcome } = await accountFailure(ex, "anthropic-messages");
    expect(error.status).toBe(429);
    expect(error.message).toBe("spend limit");
    expect(error.options.headers).toMatchObject({ "request-id": "req_1", "anthropic-ratelimit-requests-remaining": "0" });
    expect(outcome).toMatchObject({ kind: "http", status: 429, errorCode: "enforced_spend_limit_reached" });
  });

  test("an unreadable body still classifies by status", async () => {
    const { fetch } = recording(() => new Response("oops", { status: 503 }));
    const ex = await callAccount(deps(fetch), out(), { account: account(), dialect: "openai-chat", model: "m", body: "{}" });
    const { error, outcome } = await accountFailure(ex, "openai-chat");
    expect(error.status).toBe(503);
    expect(outcome).toMatchObject({ kind: "http", status: 503 });
  });
});

test("the model list's URL, from each dialect's endpoint URL", () => {
  expect(modelsUrl("https://api.openai.com/v1/chat/completions", "openai-chat")).toBe("https://api.openai.com/v1/models");
  expect(modelsUrl("https://api.anthropic.com/v1/messages", "anthropic-messages")).toBe("https://api.anthropic.com/v1/models");
  expect(modelsUrl("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions", "openai-chat")).toBe(
    "https://generativelanguage.googleapis.com/v1beta/openai/models",
  );
  expect(modelsUrl("https://r.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "openai-chat")).toBe(
    "https://r.openai.azure.com/openai/models?api-version=2024-10-21",
  );
  // Gemini's native endpoint names the model; the list is the collection it is in.
  expect(modelsUrl("https://generativelanguage.googleapis.com/v1beta/models/probe:generateContent", "gemini")).toBe(
    "https://generativelanguage.googleapis.com/v1beta/models",
  );
});
