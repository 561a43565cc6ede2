import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { RouteRule } from "./resolve-route.ts";
import { createRouter, type RoutingTable } from "./router.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");
const acct = (id: string, provider: UpstreamAccount["provider"], extra: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  id,
  name: `acct-${id}`,
  type: "api-key",
  provider,
  api_key: `enc:v1:${id}`,
  weight: 1,
  priority: 0,
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
  ...extra,
});
const route = (id: string, source_model: string, target_model: string, extra: Partial<RouteRule> = {}): RouteRule => ({
  id,
  source_model,
  target_model,
  priority: 0,
  enabled: true,
  ...extra,
});
const http = (status: number, headers: Record<string, string> = {}) => ({ kind: "http" as const, status, headers: new Headers(headers) });

function setup(opts: Parameters<typeof createRouter>[0]["options"] = {}) {
  let now = T0;
  const router = createRouter({ clock: () => now, options: { failureThreshold: 2, ...opts } });
  return { router, advance: (ms: number) => (now += ms) };
}
function thrown(f: () => unknown): GatewayError {
  try {
    f();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("did not throw");
}
const ids = (accounts: UpstreamAccount[]) => accounts.map((a) => a.id);

describe("router.plan: which accounts serve a model", () => {
  const config: RoutingTable = {
    accounts: [
      acct("ant", "anthropic"),
      acct("oai", "openai"),
      acct("off", "anthropic", { status: "disabled" }),
      acct("local", "openai-compatible", { models: ["llama*"] }),
    ],
    routes: [],
  };

  test("by provider inference and models lists; disabled accounts never", () => {
    const { router } = setup();
    expect(ids(router.plan(config, "claude-3-opus").candidates)).toEqual(["ant"]);
    expect(ids(router.plan(config, "gpt-4o").candidates)).toEqual(["oai"]);
    expect(ids(router.plan(config, "llama-3-70b").candidates)).toEqual(["local"]);
  });

  test("404 names the models that are served", () => {
    const { router } = setup();
    const e = thrown(() => router.plan(config, "mistral-large"));
    expect(e.status).toBe(404);
    expect(e.code).toBe("not_found");
    expect(e.message).toContain("mistral-large");
    expect(e.message).toContain("acct-ant (anthropic): claude*");
    expect(e.message).toContain("acct-local (openai-compatible): llama*");
    expect(e.message).not.toContain("acct-off");
    expect(e.message).not.toContain("enc:v1");
  });

  test("no enabled accounts at all", () => {
    const { router } = setup();
    const e = thrown(() => router.plan({ accounts: [], routes: [] }, "gpt-4o"));
    expect(e.status).toBe(404);
    expect(e.message).toContain("there are no enabled upstream accounts");
  });

  test("routes rewrite the model and pin the provider", () => {
    const { router } = setup();
    const routes = [route("r1", "fast", "claude-haiku-4-5"), route("r2", "gpt-4o", "*", { target_provider: "openai-compatible" })];
    const p = router.plan({ ...config, routes }, "fast");
    expect(p.targetModel).toBe("claude-haiku-4-5");
    expect(p.routeId).toBe("r1");
    expect(ids(p.candidates)).toEqual(["ant"]);
    // r2 pins a provider that cannot serve gpt-4o here, so it is skipped and gpt-4o goes to OpenAI.
    expect(ids(router.plan({ ...config, routes }, "gpt-4o").candidates)).toEqual(["oai"]);
  });

  test("opts.provider restricts the accounts", () => {
    const { router } = setup();
    const both = { accounts: [acct("m", "mock"), acct("ant", "anthropic")], routes: [] };
    expect(ids(router.plan(both, "claude-3", { provider: "anthropic" }).candidates)).toEqual(["ant"]);
    expect(thrown(() => router.plan(both, "gpt-4o", { provider: "anthropic" })).status).toBe(404);
  });
});

describe("router.plan: health", () => {
  const config: RoutingTable = { accounts: [acct("a", "openai"), acct("b", "openai"), acct("c", "openai")], routes: [] };

  test("unhealthy accounts are left out; the rest still serve", () => {
    const { router } = setup();
    router.report("a", http(429, { "retry-after": "30" }));
    router.report("b", http(401));
    const p = router.plan(config, "gpt-4o");
    expect(ids(p.candidates)).toEqual(["c"]);
    expect(p.excluded.map((e) => [e.account.id, e.status.state])).toEqual([
      ["a", "cooling"],
      ["b", "auth_failed"],
    ]);
  });

  test("client errors never take an account out", () => {
    const { router } = setup();
    for (let i = 0; i < 20; i++) router.report("a", http(400));
    expect(ids(router.plan(config, "gpt-4o").candidates)).toContain("a");
  });

  test("all rate-limited: 429 with Retry-After of the earliest reset", () => {
    const { router } = setup();
    router.report("a", http(429, { "retry-after": "30" }));
    router.report("b", http(429, { "retry-after": "12" }));
    router.report("c", http(429, { "retry-after": "50" }));
    const e = thrown(() => router.plan(config, "gpt-4o"));
    expect(e.status).toBe(429);
    expect(e.code).toBe("rate_limited");
    expect(e.options.retryAfter).toBe(12);
    expect(e.message).toContain("rate limited");
  });

  test("all cooling or open, panic mode off: 503 with Retry-After of the earliest recovery", () => {
    const { router, advance } = setup({ panicMode: false });
    router.report("a", http(429, { "retry-after": "30" }));
    router.report("b", http(500));
    router.report("b", { kind: "timeout" }); // breaker open 10 s
    router.report("c", http(529, { "retry-after": "20" }));
    const e = thrown(() => router.plan(config, "gpt-4o"));
    expect(e.status).toBe(503);
    expect(e.code).toBe("unavailable");
    expect(e.options.retryAfter).toBe(10);
    expect(e.message).toContain("circuit open");
    advance(10_000);
    // b is half-open now: its probe is allowed.
    expect(ids(router.plan(config, "gpt-4o").candidates)).toEqual(["b"]);
  });

  test("panic mode: accounts out only because of their breaker are tried, soonest to reopen first", () => {
    const { router, advance } = setup();
    const four = { accounts: [...config.accounts, acct("d", "openai")], routes: [] };
    router.report("a", http(429, { "retry-after": "30" })); // cooling: not tried
    router.report("b", http(401)); // auth: not tried
    for (let i = 0; i < 2; i++) router.report("c", http(500)); // open until +10 s
    advance(3000);
    for (let i = 0; i < 2; i++) router.report("d", http(500)); // open until +13 s
    const p = router.plan(four, "gpt-4o");
    expect(p.panic).toBe(true);
    expect(ids(p.candidates)).toEqual(["c", "d"]);
    expect(p.excluded.map((e) => e.account.id)).toEqual(["a", "b", "c", "d"]);
    // Asked without panic mode (the failover loop does, to word its final error): the 503.
    expect(thrown(() => router.plan(four, "gpt-4o", { panic: false })).status).toBe(503);
    // An ordinary begin() is refused; a panic one makes c half-open with this request as its probe.
    expect(router.begin("c")).toBe(false);
    expect(router.begin("c", { panic: true })).toBe(true);
    expect(router.status("c")).toMatchObject({ state: "half_open", probeInFlight: true });
    // While c's probe is out, c still comes first (its open period is over), and panic requests go along.
    expect(ids(router.plan(four, "gpt-4o").candidates)).toEqual(["c", "d"]);
    router.report("c", { kind: "success" });
    router.end("c");
    const after = router.plan(four, "gpt-4o");
    expect(after.panic).toBeUndefined();
    expect(ids(after.candidates)).toEqual(["c"]);
  });

  test("panic mode never overrides cooldowns or auth failures: all rate-limited is still 429", () => {
    const { router } = setup();
    router.report("a", http(429, { "retry-after": "30" }));
    router.report("b", http(529));
    router.report("c", http(403));
    expect(thrown(() => router.plan(config, "gpt-4o")).status).toBe(503);
  });

  test("a single account never refuses a request on the strength of an old failure (panic mode on)", () => {
    const { router } = setup();
    const one = { accounts: [acct("solo", "openai")], routes: [] };
    for (let i = 0; i < 2; i++) router.report("solo", http(502));
    for (let i = 0; i < 3; i++) {
      const p = router.plan(one, "gpt-4o");
      expect(p).toMatchObject({ panic: true, candidates: [expect.objectContaining({ id: "solo" })] });
      expect(router.begin("solo", { panic: true })).toBe(true); // concurrent requests all go through
    }
    expect(router.status("solo").inFlight).toBe(3);
  });

  test("all failing auth: 503 without Retry-After; a changed key brings the account back", () => {
    const { router } = setup();
    for (const id of ["a", "b", "c"]) {
      router.plan(config, "gpt-4o"); // the router has seen the credentials
      router.report(id, http(403));
    }
    const e = thrown(() => router.plan(config, "gpt-4o"));
    expect(e.status).toBe(503);
    expect(e.options.retryAfter).toBeUndefined();
    expect(e.message).toContain("authentication failed");
    const fixed = { ...config, accounts: [acct("a", "openai", { api_key: "enc:v1:new" }), ...config.accounts.slice(1)] };
    expect(ids(router.plan(fixed, "gpt-4o").candidates)).toEqual(["a"]);
    expect(router.status("a").state).toBe("healthy");
  });

  test("cooldown ends by itself", () => {
    const { router, advance } = setup();
    for (const id of ["a", "b", "c"]) router.report(id, http(429));
    expect(thrown(() => router.plan(config, "gpt-4o")).status).toBe(429);
    advance(30_000);
    expect(router.plan(config, "gpt-4o").candidates.length).toBe(3);
  });

  test("half-open admits exactly one probe across concurrent requests", () => {
    const { router, advance } = setup();
    const one = { accounts: [acct("a", "openai"), acct("b", "openai", { priority: 1 })], routes: [] };
    router.report("a", http(502));
    router.report("a", http(502));
    advance(10_000);
    const p1 = router.plan(one, "gpt-4o");
    const p2 = router.plan(one, "gpt-4o");
    expect(ids(p1.candidates)).toEqual(["a", "b"]);
    expect(ids(p2.candidates)).toEqual(["a", "b"]);
    expect(router.begin("a")).toBe(true);
    expect(router.begin("a")).toBe(false); // the second request skips to b
    expect(ids(router.plan(one, "gpt-4o").candidates)).toEqual(["b"]);
    router.report("a", { kind: "success", ttfbMs: 50 });
    router.end("a");
    expect(ids(router.plan(one, "gpt-4o").candidates)).toEqual(["a", "b"]);
  });
});

describe("router.plan: strategies and sticky sessions", () => {
  const config: RoutingTable = { accounts: [acct("a", "openai"), acct("b", "openai"), acct("c", "openai")], routes: [] };

  test("default health-first round-robins", () => {
    const { router } = setup();
    const firsts = Array.from({ length: 6 }, () => router.plan(config, "gpt-4o").candidates[0].id).join("");
    expect(firsts).toBe("abcabc");
  });

  test("global strategy, and a route's own strategy wins", () => {
    const { router } = setup();
    router.report("a", { kind: "success", ttfbMs: 900 });
    router.report("b", { kind: "success", ttfbMs: 100 });
    router.report("c", { kind: "success", ttfbMs: 500 });
    const p = router.plan({ ...config, strategy: "least-latency" }, "gpt-4o");
    expect(p.strategy).toBe("least-latency");
    expect(ids(p.candidates)).toEqual(["b", "c", "a"]);
    const routes = [route("r", "gpt*", "*", { strategy: "priority" })];
    expect(ids(router.plan({ ...config, routes, strategy: "least-latency" }, "gpt-4o").candidates)).toEqual(["a", "b", "c"]);
  });

  test("least-in-flight follows begin/end", () => {
    const { router } = setup();
    const cfg = { ...config, strategy: "least-in-flight" as const };
    router.begin("a");
    router.begin("a");
    router.begin("b");
    expect(router.plan(cfg, "gpt-4o").candidates[0].id).toBe("c");
    expect(router.status("a").inFlight).toBe(2);
  });

  test("priority tiers: the lower tier only when the higher one is unavailable", () => {
    const { router } = setup();
    const cfg = { accounts: [acct("backup", "openai", { priority: 1 }), acct("main", "openai")], routes: [] };
    expect(ids(router.plan(cfg, "gpt-4o").candidates)).toEqual(["main", "backup"]);
    router.report("main", http(429));
    expect(ids(router.plan(cfg, "gpt-4o").candidates)).toEqual(["backup"]);
  });

  test("a session sticks to the account that served it while that account is healthy", () => {
    const { router, advance } = setup();
    const p = router.plan(config, "gpt-4o", { sessionKey: "s1" });
    const served = p.candidates[1].id; // pretend the first failed over to the second
    router.report(served, { kind: "success", ttfbMs: 10 }, p.stickyKey);
    for (let i = 0; i < 5; i++) expect(router.plan(config, "gpt-4o", { sessionKey: "s1" }).candidates[0].id).toBe(served);
    // Other sessions still rotate.
    const others = new Set(Array.from({ length: 3 }, (_, i) => router.plan(config, "gpt-4o", { sessionKey: `x${i}` }).candidates[0].id));
    expect(others.size).toBe(3);
    // Unhealthy: the session moves on; healthy again: it comes back.
    router.report(served, http(429, { "retry-after": "5" }));
    expect(router.plan(config, "gpt-4o", { sessionKey: "s1" }).candidates[0].id).not.toBe(served);
    advance(5000);
    expect(router.plan(config, "gpt-4o", { sessionKey: "s1" }).candidates[0].id).toBe(served);
    // Stickiness is per target model.
    expect(router.plan(config, "gpt-4o", { sessionKey: "s1" }).stickyKey).not.toBe(router.plan(config, "gpt-4o-mini", { sessionKey: "s1" }).stickyKey);
  });

  test("a half-open account's probe comes before a sticky binding (every request sticky must not starve it)", () => {
    const { router, advance } = setup();
    const p = router.plan(config, "gpt-4o", { sessionKey: "s" });
    router.report("b", { kind: "success" }, p.stickyKey);
    router.report("a", http(500));
    router.report("a", http(500)); // open
    expect(ids(router.plan(config, "gpt-4o", { sessionKey: "s" }).candidates)[0]).toBe("b");
    advance(10_000);
    expect(ids(router.plan(config, "gpt-4o", { sessionKey: "s" }).candidates).slice(0, 2)).toEqual(["a", "b"]);
    router.begin("a"); // the probe is out: the session is back on b
    expect(ids(router.plan(config, "gpt-4o", { sessionKey: "s" }).candidates)[0]).toBe("b");
  });

  test("a sticky account in a lower tier yields once the higher tier is back", () => {
    const { router, advance } = setup();
    const cfg = { accounts: [acct("main", "openai"), acct("backup", "openai", { priority: 1 })], routes: [] };
    router.report("main", http(429, { "retry-after": "5" }));
    const p = router.plan(cfg, "gpt-4o", { sessionKey: "s" });
    router.report("backup", { kind: "success" }, p.stickyKey);
    advance(5000);
    expect(router.plan(cfg, "gpt-4o", { sessionKey: "s" }).candidates[0].id).toBe("main");
  });
});

describe("router.probeDue", () => {
  test("auth-failed and half-open accounts with no probe out", () => {
    const { router, advance } = setup();
    const accounts = [acct("a", "openai"), acct("b", "openai"), acct("c", "openai"), acct("d", "openai", { status: "disabled" })];
    router.report("a", http(401));
    router.report("b", http(500));
    router.report("b", http(500));
    router.report("d", http(401));
    expect(ids(router.probeDue(accounts))).toEqual(["a"]);
    advance(10_000);
    expect(ids(router.probeDue(accounts))).toEqual(["a", "b"]);
    router.begin("b");
    expect(ids(router.probeDue(accounts))).toEqual(["a"]);
  });
});

describe("router hold (spend caps)", () => {
  const config: RoutingTable = { accounts: [acct("a", "anthropic"), acct("b", "anthropic", { priority: 1 })], routes: [] };
  const held = new Map<string, { until: number; reason: string; detail: string }>();
  const holdFor = (id: string, until: number) => held.set(id, { until, reason: "spend_cap_daily", detail: `over its daily spend cap; back at ${until}` });
  function setupHeld() {
    held.clear();
    let now = T0;
    const router = createRouter({ clock: () => now, options: { failureThreshold: 1 }, hold: (id) => held.get(id) });
    return { router, advance: (ms: number) => (now += ms) };
  }

  test("a held account leaves plans and shows as spend_capped; released, it is back", () => {
    const { router } = setupHeld();
    holdFor("a", T0 + 3_600_000);
    const plan = router.plan(config, "claude-x");
    expect(ids(plan.candidates)).toEqual(["b"]);
    expect(plan.excluded.map((e) => [e.account.id, e.status.state, e.status.until])).toEqual([["a", "spend_capped", T0 + 3_600_000]]);
    expect(router.status("a")).toMatchObject({ state: "spend_capped", reason: "spend_cap_daily", until: T0 + 3_600_000 });
    held.delete("a");
    expect(ids(router.plan(config, "claude-x").candidates)).toEqual(["a", "b"]);
    expect(router.status("a").state).toBe("healthy");
  });

  test("every account held: 429 with Retry-After to the first reset; never a panic plan, even past an open breaker", () => {
    const { router } = setupHeld();
    router.report("a", http(500)); // breaker open: panic mode would otherwise try it
    holdFor("a", T0 + 7_200_000);
    holdFor("b", T0 + 3_600_000);
    const err = thrown(() => router.plan(config, "claude-x"));
    expect(err.status).toBe(429);
    expect(err.options.retryAfter).toBe(3600);
    expect(err.message).toContain("over its daily spend cap");
  });

  test("an authentication failure shows over the hold: it needs a person, the cap only time", () => {
    const { router } = setupHeld();
    router.report("a", http(401));
    holdFor("a", T0 + 1000);
    expect(router.status("a").state).toBe("auth_failed");
  });
});

describe("sticky sessions shared between processes", () => {
  const config: RoutingTable = { accounts: [acct("a", "openai"), acct("b", "openai")], routes: [] };

  test("a new binding is told (changed), a refresh is told as such; the key is a digest, not the session key", () => {
    const told: { key: string; id: string; changed: boolean }[] = [];
    const router = createRouter({ clock: () => T0, sharing: { sticky: (key, id, changed) => void told.push({ key, id, changed }) } });
    const plan = router.plan(config, "gpt-4o", { sessionKey: "user@example.com" });
    router.report(plan.candidates[0]!.id, { kind: "success" }, plan.stickyKey);
    router.report(plan.candidates[0]!.id, { kind: "success" }, plan.stickyKey);
    expect(told.map((t) => t.changed)).toEqual([true, false]);
    expect(told[0]!.key).not.toContain("user@example.com");
    expect(told[0]!.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  test("a conversation this process has not seen is looked up before it is routed; a binding applied from elsewhere is used", async () => {
    const asked: string[] = [];
    const elsewhere = createRouter({ clock: () => T0, sharing: { sticky() {} } });
    const router = createRouter({
      clock: () => T0,
      sharing: {
        sticky() {},
        lookupSticky: async (key) => {
          asked.push(key);
          return "b";
        },
      },
    });
    const key = elsewhere.plan(config, "gpt-4o", { sessionKey: "s" }).stickyKey!;
    await router.prepare(config, "gpt-4o", { sessionKey: "s" });
    expect(asked).toEqual([key]);
    expect(router.plan(config, "gpt-4o", { sessionKey: "s" }).candidates[0]!.id).toBe("b");
    // Known now: no second look-up.
    expect(router.prepare(config, "gpt-4o", { sessionKey: "s" })).toBeUndefined();
    router.applySticky(router.plan(config, "gpt-4o", { sessionKey: "t" }).stickyKey!, "a");
    expect(router.plan(config, "gpt-4o", { sessionKey: "t" }).candidates[0]!.id).toBe("a");
  });
});
