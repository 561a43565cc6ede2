import { Value } from "@sinclair/typebox/value";
import { Config, type GatewayKey, type UpstreamAccount } from "../../src/config/schema.ts";
import { generateGatewayKey, hashKey } from "../../src/config/secrets.ts";
import type { ProxyDeps, RouterPort } from "../../src/gateway/proxy-llm-request.ts";
import { mockFetch } from "../../src/providers/mock.ts";
import { createApp, type AppDeps } from "../../src/server/create-app.ts";
import { silentLogger } from "../../src/server/logger.ts";
import { createMemoryStore } from "../../src/state/memory-store.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { createUsageMeter } from "../../src/usage/usage-meter.ts";
import { createRequestFeed } from "../../src/usage/request-feed.ts";

/** A configuration with defaults filled in, plus whatever the test sets. */
export function testConfig(patch: Partial<Config> = {}): Config {
  return { ...(Value.Default(Config, {}) as Config), ...patch };
}

export function testKey(overrides: Partial<GatewayKey> = {}): { raw: string; key: GatewayKey } {
  const raw = generateGatewayKey();
  return {
    raw,
    key: {
      id: `key_${Math.random().toString(36).slice(2, 10)}`,
      name: "test",
      key_hash: hashKey(raw),
      key_prefix: raw.slice(0, 12),
      permissions: ["read", "write"],
      status: "active",
      created_at: new Date(0).toISOString(),
      ...overrides,
    },
  };
}

export function testAccount(overrides: Partial<UpstreamAccount> = {}): UpstreamAccount {
  return {
    id: `up_${Math.random().toString(36).slice(2, 10)}`,
    name: "acct",
    type: "api-key",
    provider: "mock",
    weight: 1,
    priority: 0,
    status: "active",
    created_at: new Date(0).toISOString(),
    ...overrides,
  };
}

/** Every enabled account, in order: enough routing for tests of the HTTP layer. */
export const allAccountsRouter: RouterPort = {
  plan: ({ accounts }, model) => ({
    targetModel: model,
    candidates: accounts.filter((a) => a.status === "active"),
    excluded: [],
    strategy: "health-first",
  }),
  report() {},
  begin: () => true,
  end() {},
};

export function testApp(
  config: Config,
  opts: {
    fetch?: FetchFn;
    router?: RouterPort;
    clock?: () => number;
    credentials?: Record<string, string>;
    operatorToken?: string;
    /** OAuth accounts: the new token after a 401 (absent: no refresh). */
    refreshCredential?: ProxyDeps["refreshCredential"];
    /** The usage ledger's reports (GET /admin/api/usage). */
    queryUsage?: AppDeps["queryUsage"];
    /** The access log and other lines (default: silent). */
    log?: AppDeps["log"];
    /** The admin API's config file and hooks. */
    admin?: AppDeps["admin"];
  } = {},
) {
  let current = config;
  const feed = createRequestFeed({ clock: opts.clock ?? Date.now });
  const usage = createUsageMeter({ onTokens: (l, u) => feed.tokens(l.requestId, u) });
  const deps: AppDeps = {
    usage,
    config: () => current,
    state: createMemoryStore(opts.clock),
    log: opts.log ?? silentLogger,
    clock: opts.clock ?? Date.now,
    version: "0.0.0-test",
    startedAt: Date.now(),
    accountHealth: () => current.upstream_accounts.map((a) => ({ id: a.id, state: "healthy" })),
    operatorToken: () => opts.operatorToken,
    queryUsage: opts.queryUsage,
    requestFeed: feed,
    admin: opts.admin,
    proxy: {
      config: () => current,
      router: opts.router ?? allAccountsRouter,
      fetch: opts.fetch ?? ((() => Promise.reject(new Error("no network in tests"))) as FetchFn),
      mockFetch: mockFetch as FetchFn,
      credential: (a) => opts.credentials?.[a.id],
      refreshCredential: opts.refreshCredential,
    },
  };
  const app = createApp(deps);
  return {
    app,
    setConfig: (c: Config) => (current = c),
    request: (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const headers = new Headers(init.headers);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return app.handle(new Request(`http://gateway.test${path}`, { method: init.method ?? (body ? "POST" : "GET"), ...init, headers, body }));
    },
  };
}
