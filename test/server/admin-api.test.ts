// The JSON admin API (/admin/api) through app.handle, against a real config file: bearer and session callers,
// CSRF, the sign-in limit, session ends, masking, every change in the file, CLI changes through the API, OAuth logins
// from the browser against a fake OAuth server, the security headers, the OpenAPI document.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGatewayKey } from "../../src/config/edits/gateway-keys.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { runtimeConfig } from "../../src/runtime/runtime-config.ts";
import { createAdminSessions } from "../../src/server/admin/admin-sessions.ts";
import { createLoginLimiter } from "../../src/server/admin/login-limiter.ts";
import { ADMIN_CSP } from "../../src/server/admin/security-headers.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { MASTER_KEY } from "../cli/cli-harness.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import { startFakeOAuthServer } from "../fakes/oauth-server.ts";
import { testApp } from "../support/test-app.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A gateway on a fresh config file with an admin key and a read-only key; the clock is the test's. */
function setup(opts: { peer?: string; trustedProxies?: string[]; adminUi?: boolean; fetch?: FetchFn } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "lgw-admin-api-"));
  dirs.push(dir);
  const path = join(dir, "config.yaml");
  const env = { LLM_GATEWAY_MASTER_KEY: MASTER_KEY, LLM_GATEWAY_CONFIG: path, HOME: dir };
  const store = new ConfigStore(path, env);
  store.update((c) => {
    c.server.admin_ui = opts.adminUi ?? true;
    c.server.trusted_proxies = opts.trustedProxies ?? [];
  });
  const admin = createGatewayKey(store, { name: "ops", permissions: ["admin"] });
  const reader = createGatewayKey(store, { name: "viewer", permissions: ["read"] });
  let now = Date.parse("2026-06-01T12:00:00Z");
  const clock = () => now;
  const harness = testApp(runtimeConfig(store, store.read()), {
    clock,
    fetch: opts.fetch,
    admin: {
      store,
      reload: () => harness.setConfig(runtimeConfig(store, store.read())),
      peerAddress: () => opts.peer ?? "127.0.0.1",
      oauthFetch: opts.fetch,
      oauthSleep: async () => {},
      sessions: createAdminSessions({ clock }),
      loginLimiter: createLoginLimiter({ clock }),
    },
  });
  const call = (method: string, path: string, init: { body?: unknown; key?: string; cookie?: string; csrf?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.key) headers.authorization = `Bearer ${init.key}`;
    if (init.cookie) headers.cookie = init.cookie;
    if (init.csrf) headers["x-csrf-token"] = init.csrf;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    return harness.app.handle(new Request(`http://gw.test${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }));
  };
  const signIn = async (key = admin.raw, headers?: Record<string, string>) => {
    const res = await call("POST", "/admin/api/session", { body: { key }, headers });
    const cookie = res.headers.get("set-cookie")?.split(";")[0];
    const body = (await res.json()) as any;
    return { res, cookie: cookie ?? "", csrf: body.csrf_token as string, body };
  };
  const cli = async (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, env, fetch: () => Promise.reject(new Error("offline")) });
    // What the running server's watcher does within a poll.
    harness.setConfig(runtimeConfig(store, store.read()));
    return { code, stdout, stderr };
  };
  return { ...harness, store, path, admin, reader, call, signIn, cli, tick: (ms: number) => (now += ms), file: () => readFileSync(path, "utf8") };
}

const json = async (r: Response): Promise<any> => r.json();

describe("who may call the admin API", () => {
  test("no credentials: 401; a read key: 403; an admin key as a bearer: 200, with no CSRF token needed for changes", async () => {
    const g = setup();
    expect((await g.call("GET", "/admin/api/keys")).status).toBe(401);
    const denied = await g.call("GET", "/admin/api/keys", { key: g.reader.raw });
    expect(denied.status).toBe(403);
    expect((await json(denied)).error.message).toContain("'admin' permission");
    expect((await g.call("GET", "/admin/api/keys", { key: g.admin.raw })).status).toBe(200);
    const created = await g.call("POST", "/admin/api/routes", { key: g.admin.raw, body: { source_model: "gpt-4o*", target_model: "mock-1" } });
    expect(created.status).toBe(201);
  });

  test("sign-in: a wrong key is 401, a read-only key 403, an admin key a session cookie (HttpOnly, SameSite=Strict, /admin, no Secure over plain HTTP)", async () => {
    const g = setup();
    expect((await g.signIn("lgw_wrong")).res.status).toBe(401);
    const ro = await g.signIn(g.reader.raw);
    expect(ro.res.status).toBe(403);
    expect(ro.res.headers.get("set-cookie")).toBeNull();
    const ok = await g.signIn();
    expect(ok.res.status).toBe(200);
    const cookie = ok.res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^lgw_admin=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(ok.body).toMatchObject({ key: { id: g.admin.key.id, name: "ops" }, csrf_token: expect.any(String) });
    const me = await json(await g.call("GET", "/admin/api/session", { cookie: ok.cookie }));
    expect(me).toMatchObject({ key: { name: "ops" }, csrf_token: ok.csrf });
  });

  test("the cookie is Secure when a trusted proxy says https; a client's own X-Forwarded-Proto is ignored", async () => {
    const trusted = setup({ peer: "10.0.0.5", trustedProxies: ["10.0.0.5"] });
    const viaProxy = await trusted.signIn(trusted.admin.raw, { "x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.7" });
    expect(viaProxy.res.headers.get("set-cookie")).toEndWith("; Secure");
    const direct = setup({ peer: "203.0.113.9", trustedProxies: ["10.0.0.5"] });
    const spoofed = await direct.signIn(direct.admin.raw, { "x-forwarded-proto": "https" });
    expect(spoofed.res.headers.get("set-cookie")).not.toContain("Secure");
  });

  test("changes with the session cookie need its CSRF token; reads do not", async () => {
    const g = setup();
    const { cookie, csrf } = await g.signIn();
    const body = { name: "app" };
    const none = await g.call("POST", "/admin/api/keys", { cookie, body });
    expect(none.status).toBe(403);
    expect((await json(none)).error.param).toBe("x-csrf-token");
    expect((await g.call("POST", "/admin/api/keys", { cookie, body, csrf: "x".repeat(43) })).status).toBe(403);
    expect((await g.call("GET", "/admin/api/keys", { cookie })).status).toBe(200);
    expect((await g.call("POST", "/admin/api/keys", { cookie, body, csrf })).status).toBe(201);
  });

  test("sign-in attempts are limited per client address (10 a minute) and the window passes", async () => {
    const g = setup();
    for (let i = 0; i < 10; i++) expect((await g.signIn("lgw_wrong")).res.status).toBe(401);
    const limited = (await g.signIn()).res;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    g.tick(60_000);
    expect((await g.signIn()).res.status).toBe(200);
  });

  test("a session ends when its key is disabled, removed or loses admin, on sign-out, when idle and at its lifetime", async () => {
    const g = setup();
    const a = await g.signIn();
    expect((await g.call("PATCH", `/admin/api/keys/${g.admin.key.id}`, { cookie: a.cookie, csrf: a.csrf, body: { status: "disabled" } })).status).toBe(200);
    expect((await g.call("GET", "/admin/api/keys", { cookie: a.cookie })).status).toBe(401);
    expect((await g.cli("apikey", "enable", g.admin.key.id)).code).toBe(0);
    const b = await g.signIn();
    expect((await g.cli("apikey", "update", g.admin.key.id, "--permissions", "read")).code).toBe(0);
    expect((await g.call("GET", "/admin/api/keys", { cookie: b.cookie })).status).toBe(401);
    expect((await g.cli("apikey", "update", g.admin.key.id, "--permissions", "admin")).code).toBe(0);
    const c = await g.signIn();
    const out = await g.call("DELETE", "/admin/api/session", { cookie: c.cookie, csrf: c.csrf });
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await g.call("GET", "/admin/api/session", { cookie: c.cookie })).status).toBe(401);
    const d = await g.signIn();
    g.tick(61 * 60_000);
    expect((await g.call("GET", "/admin/api/session", { cookie: d.cookie })).status).toBe(401);
    const e = await g.signIn();
    for (let i = 0; i < 13; i++) {
      g.tick(59 * 60_000);
      if (i < 12) expect((await g.call("GET", "/admin/api/session", { cookie: e.cookie })).status).toBe(200);
    }
    expect((await g.call("GET", "/admin/api/session", { cookie: e.cookie })).status).toBe(401);
  });

  test("server.admin_ui: false turns the UI and sign-in off; admin keys as bearers still work", async () => {
    const g = setup({ adminUi: false });
    expect((await g.call("GET", "/admin")).status).toBe(404);
    expect((await g.signIn()).res.status).toBe(404);
    expect((await g.call("GET", "/admin/api/keys", { key: g.admin.raw })).status).toBe(200);
  });
});

describe("changes go to the config file, as the CLI's do", () => {
  let g: ReturnType<typeof setup>;
  beforeEach(() => {
    g = setup();
  });
  const as = () => ({ key: g.admin.raw });

  test("gateway keys: create (the key once, never again), limits, disable, remove", async () => {
    const res = await g.call("POST", "/admin/api/keys", { ...as(), body: { name: "app", rate_limit_rpm: 60, budget_usd_monthly: 50, allowed_models: ["claude-*"] } });
    expect(res.status).toBe(201);
    const { key, secret } = await json(res);
    expect(secret).toMatch(/^lgw_/);
    expect(key).not.toHaveProperty("key_hash");
    const stored = g.store.read().gateway_keys.find((k) => k.id === key.id)!;
    expect(stored).toMatchObject({ name: "app", rate_limit_rpm: 60, budget_usd_monthly: 50, allowed_models: ["claude-*"], permissions: ["read", "write"] });
    expect(g.file()).not.toContain(secret);
    const list = await (await g.call("GET", "/admin/api/keys", as())).text();
    expect(list).not.toContain(secret);
    expect(list).not.toContain(stored.key_hash);

    const upd = await json(await g.call("PATCH", `/admin/api/keys/${key.id}`, { ...as(), body: { rate_limit_rpm: null, budget_usd_daily: 5, status: "disabled" } }));
    expect(upd).toMatchObject({ state: "disabled", budget_usd_daily: 5 });
    expect(g.store.read().gateway_keys.find((k) => k.id === key.id)).not.toHaveProperty("rate_limit_rpm");
    expect((await g.call("POST", "/v1/chat/completions", { key: secret, body: { model: "claude-x", messages: [] } })).status).toBe(401);
    expect((await g.call("DELETE", `/admin/api/keys/${key.id}`, as())).status).toBe(200);
    expect(g.store.read().gateway_keys.map((k) => k.name)).toEqual(["ops", "viewer"]);
  });

  test("accounts: the API key stored encrypted and answered masked; enable/disable, limits, remove", async () => {
    const res = await g.call("POST", "/admin/api/accounts", { ...as(), body: { name: "prod", provider: "anthropic", api_key: "sk-ant-secret-value-0123", spend_cap_usd_daily: 10 } });
    expect(res.status).toBe(201);
    const acct = await json(res);
    expect(acct).toMatchObject({ name: "prod", provider: "anthropic", api_key: "sk-ant…0123", spend_cap_usd_daily: 10, health: { state: "healthy" } });
    expect(g.file()).not.toContain("sk-ant-secret-value-0123");
    expect(g.file()).toMatch(/api_key: enc:v/);
    expect(await (await g.call("GET", "/admin/api/accounts", as())).text()).not.toContain("secret-value");
    const off = await json(await g.call("PATCH", `/admin/api/accounts/${acct.id}`, { ...as(), body: { status: "disabled", models: ["claude-*"], spend_cap_usd_daily: null } }));
    expect(off).toMatchObject({ status: "disabled", models: ["claude-*"], health: { state: "disabled" } });
    expect(off).not.toHaveProperty("spend_cap_usd_daily");
    expect(g.store.read().upstream_accounts[0]).toMatchObject({ status: "disabled", models: ["claude-*"] });
    expect((await g.call("DELETE", `/admin/api/accounts/${acct.id}`, as())).status).toBe(200);
    expect(g.store.read().upstream_accounts).toEqual([]);
  });

  test("routes: add, reorder (priority), disable, remove; environment: a proxy password sealed and masked, a masked value refused", async () => {
    const r = await json(await g.call("POST", "/admin/api/routes", { ...as(), body: { source_model: "gpt-4o*", target_model: "claude-sonnet-4-5", target_provider: "anthropic" } }));
    expect((await g.call("PATCH", `/admin/api/routes/${r.id}`, { ...as(), body: { priority: -1, enabled: false } })).status).toBe(200);
    expect(g.store.read().model_routes).toEqual([{ id: r.id, source_model: "gpt-4o*", target_model: "claude-sonnet-4-5", target_provider: "anthropic", priority: -1, enabled: false }]);
    expect((await g.call("DELETE", `/admin/api/routes/${r.id}`, as())).status).toBe(200);
    expect(g.store.read().model_routes).toEqual([]);

    const env = await json(await g.call("PATCH", "/admin/api/environment", { ...as(), body: { https_proxy: "http://me:hunter2@proxy.test:3128", no_proxy: " a.test , b.test " } }));
    expect(env).toEqual({ http_proxy: "", https_proxy: "http://me:****@proxy.test:3128/", no_proxy: "a.test,b.test" });
    expect(g.file()).not.toContain("hunter2");
    const masked = await g.call("PATCH", "/admin/api/environment", { ...as(), body: { https_proxy: env.https_proxy } });
    expect(masked.status).toBe(400);
    expect((await json(masked)).error.param).toBe("https_proxy");
    const reset = await json(await g.call("PATCH", "/admin/api/environment", { ...as(), body: { https_proxy: null, no_proxy: null } }));
    expect(reset).toEqual({ http_proxy: "", https_proxy: "", no_proxy: "localhost,127.0.0.1,::1" });
  });

  test("a change made with the CLI is in the next answer", async () => {
    expect((await g.cli("upstream", "add", "--provider", "mock", "--name", "from-cli")).code).toBe(0);
    expect((await g.cli("route", "add", "--from", "x*", "--to", "mock-1")).code).toBe(0);
    const accounts = await json(await g.call("GET", "/admin/api/accounts", as()));
    expect(accounts.map((a: { name: string }) => a.name)).toEqual(["from-cli"]);
    expect((await json(await g.call("GET", "/admin/api/routes", as()))).map((r: { source_model: string }) => r.source_model)).toEqual(["x*"]);
  });

  test("bad bodies are 400s naming the field; a taken name 409; an unknown id 404; nothing is written", async () => {
    await g.call("POST", "/admin/api/keys", { ...as(), body: { name: "app" } });
    const before = g.file();
    const cases: [string, string, unknown, number, string][] = [
      ["POST", "/admin/api/keys", { name: "x", colour: "red" }, 400, "colour"],
      ["POST", "/admin/api/keys", { name: "x", rate_limit_rpm: -1 }, 400, "rate_limit_rpm"],
      ["POST", "/admin/api/keys", { name: "x", allowed_models: ["a*b"] }, 400, "allowed_models"],
      ["POST", "/admin/api/keys", { name: "x", permissions: ["root"] }, 400, "permissions.0"],
      ["POST", "/admin/api/keys", { name: "APP" }, 409, "name"],
      ["PATCH", "/admin/api/keys/key_nope", { name: "y" }, 404, ""],
      ["POST", "/admin/api/accounts", { name: "a", provider: "openai" }, 400, "api_key"],
      ["POST", "/admin/api/accounts", { name: "a", provider: "azure", api_key: "k" }, 400, "base_url"],
      ["POST", "/admin/api/accounts", { name: "a", provider: "mock", base_url: "ftp://x" }, 400, "base_url"],
      ["POST", "/admin/api/accounts", { name: "a", provider: "nope" }, 400, "provider"],
      ["POST", "/admin/api/accounts", { name: "a", provider: "vertex", api_key: "{}" }, 400, "api_key"],
      ["POST", "/admin/api/accounts", { name: "a", provider: "openai", api_key: "k", gemini_api: "native" }, 400, "gemini_api"],
      ["POST", "/admin/api/routes", { source_model: "a*b", target_model: "m" }, 400, "source_model"],
      ["PATCH", "/admin/api/environment", { http_proxy: "not a url" }, 400, "http_proxy"],
    ];
    for (const [method, path, body, status, param] of cases) {
      const res = await g.call(method, path, { ...as(), body });
      const err = (await json(res)).error;
      expect([path, body, res.status, err.param ?? ""]).toEqual([path, body, status, param]);
      expect(err.message.length).toBeGreaterThan(5);
    }
    expect(g.file()).toBe(before);
  });
});

describe("what the admin API shows of the gateway", () => {
  test("recent requests and the metrics summary: status, model, key and account names, tokens; no key material", async () => {
    const g = setup();
    const acct = await json(await g.call("POST", "/admin/api/accounts", { key: g.admin.raw, body: { name: "mocky", provider: "mock" } }));
    const app = await json(await g.call("POST", "/admin/api/keys", { key: g.admin.raw, body: { name: "app" } }));
    const chat = await g.call("POST", "/v1/chat/completions", { key: app.secret, body: { model: "mock-1", messages: [{ role: "user", content: "hello there" }] } });
    expect(chat.status).toBe(200);
    expect((await g.call("POST", "/v1/chat/completions", { key: "lgw_wrong", body: { model: "mock-1", messages: [] } })).status).toBe(401);
    const res = await g.call("GET", "/admin/api/requests?limit=10", { key: g.admin.raw });
    const text = await res.text();
    const { requests } = JSON.parse(text);
    expect(requests[0]).toMatchObject({ status: 401, route: "/v1/chat/completions", error_type: "authentication" });
    expect(requests[1]).toMatchObject({ status: 200, model: "mock-1", key_name: "app", account_name: "mocky", account_id: acct.id, input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(text).not.toContain(app.secret);
    expect(text).not.toContain("hello there");
    const m = await json(await g.call("GET", "/admin/api/metrics", { key: g.admin.raw }));
    expect(m.totals.requests).toBeGreaterThanOrEqual(2);
    expect(m.minutes).toHaveLength(60);
    expect(m.minutes.at(-1)).toMatchObject({ requests: 2, errors: 1 });
    expect((await g.call("GET", "/admin/api/requests?limit=0", { key: g.admin.raw })).status).toBe(400);
  });

  test("security headers on the page, its assets and the API; the API documented in /swagger/json", async () => {
    const g = setup();
    const page = await g.call("GET", "/admin");
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    expect(html).not.toMatch(/<script>|<style>| style=/);
    for (const res of [page, await g.call("GET", script), await g.call("GET", "/admin/api/keys"), await g.call("GET", "/admin/api/keys", { key: g.admin.raw })]) {
      expect(res.headers.get("content-security-policy")).toBe(ADMIN_CSP);
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
    expect(ADMIN_CSP).toContain("frame-ancestors 'none'");
    expect(ADMIN_CSP).not.toContain("unsafe-inline");
    expect((await g.call("GET", "/admin/assets/../../etc/passwd")).status).toBe(404);
    const doc = await json(await g.call("GET", "/swagger/json"));
    for (const path of ["/admin/api/session", "/admin/api/keys", "/admin/api/keys/{id}", "/admin/api/accounts", "/admin/api/oauth/logins", "/admin/api/routes", "/admin/api/environment", "/admin/api/requests", "/admin/api/metrics", "/admin/api/usage"]) {
      expect([path, Boolean(doc.paths[path])]).toEqual([path, true]);
    }
    expect(doc.paths["/admin/api/keys"].post.requestBody.content["application/json"].schema.properties.rate_limit_tpm).toBeTruthy();
  });
});

describe("OAuth logins from the browser", () => {
  test("code paste: the authorize URL, then CODE#STATE; the state is checked; tokens stored encrypted, never answered", async () => {
    const fake = startFakeOAuthServer();
    try {
      const g = setup({ fetch: ((input: string | URL | Request, init?: RequestInit) => fetch(input, init)) as FetchFn });
      const overrides = { authorize_url: fake.authorizeUrl, token_url: fake.tokenUrl, client_id: fake.clientId, redirect_uri: fake.redirectUri };
      const start = await g.call("POST", "/admin/api/oauth/logins", { key: g.admin.raw, body: { name: "claude", provider: "anthropic", oauth: overrides } });
      expect(start.status).toBe(201);
      const login = await json(start);
      expect([login.flow, login.status, login.authorize_url.startsWith(`${fake.authorizeUrl}?`)]).toEqual(["code-paste", "waiting", true]);
      const pasted = await (await fetch(login.authorize_url)).text();
      const wrong = await g.call("POST", `/admin/api/oauth/logins/${login.id}/code`, { key: g.admin.raw, body: { code: `${pasted.split("#")[0]}#not-the-state` } });
      expect(wrong.status).toBe(400);
      // One code, one try; and a failed login of an account it added removes the account, as the CLI's does.
      expect(g.store.read().upstream_accounts).toEqual([]);
      const again = await json(await g.call("POST", "/admin/api/oauth/logins", { key: g.admin.raw, body: { name: "claude", provider: "anthropic", oauth: overrides } }));
      const code = await (await fetch(again.authorize_url)).text();
      const done = await g.call("POST", `/admin/api/oauth/logins/${again.id}/code`, { key: g.admin.raw, body: { code } });
      expect(done.status).toBe(200);
      expect((await json(done)).status).toBe("logged_in");
      const accounts = await (await g.call("GET", "/admin/api/accounts", { key: g.admin.raw })).text();
      expect(JSON.parse(accounts)[0]).toMatchObject({ name: "claude", type: "oauth", oauth: { state: "authorized", can_refresh: true } });
      // Logging an existing account in again starts a login for it.
      const relogin = await json(await g.call("POST", "/admin/api/oauth/logins", { key: g.admin.raw, body: { account_id: again.account_id } }));
      expect([relogin.account_id, relogin.status]).toEqual([again.account_id, "waiting"]);
      for (const secret of fake.secrets()) {
        expect(accounts).not.toContain(secret);
        expect(g.file()).not.toContain(secret);
      }
    } finally {
      await fake.stop();
    }
  });

  test("device code: the user code and URL; the gateway polls until approved; a denied login removes the account it added", async () => {
    const fake = startFakeOAuthServer({ deviceInterval: 1, deviceExpiresIn: 300 });
    try {
      const g = setup({ fetch: ((input: string | URL | Request, init?: RequestInit) => fetch(input, init)) as FetchFn });
      const overrides = { device_code_url: fake.deviceCodeUrl, token_url: fake.deviceTokenUrl, client_id: fake.clientId };
      fake.setDeviceScript(["pending", "success"]);
      const login = await json(await g.call("POST", "/admin/api/oauth/logins", { key: g.admin.raw, body: { name: "qwen", provider: "openai-compatible", oauth: overrides } }));
      expect([login.flow, login.status, typeof login.user_code, login.verification_uri.startsWith(fake.url)]).toEqual(["device-code", "waiting", "string", true]);
      const poll = async () => (await json(await g.call("GET", `/admin/api/oauth/logins/${login.id}`, { key: g.admin.raw }))).status as string;
      for (let i = 0; i < 200 && (await poll()) === "waiting"; i++) await Bun.sleep(5);
      expect(await poll()).toBe("logged_in");
      expect(g.store.read().upstream_accounts[0]).toMatchObject({ name: "qwen", base_url: "https://portal.fake.example/v1" });

      fake.setDeviceScript(["denied"]);
      const denied = await json(await g.call("POST", "/admin/api/oauth/logins", { key: g.admin.raw, body: { name: "qwen2", provider: "openai-compatible", oauth: overrides } }));
      for (let i = 0; i < 200 && (await json(await g.call("GET", `/admin/api/oauth/logins/${denied.id}`, { key: g.admin.raw }))).status === "waiting"; i++) await Bun.sleep(5);
      const after = await json(await g.call("GET", `/admin/api/oauth/logins/${denied.id}`, { key: g.admin.raw }));
      expect(after).toMatchObject({ status: "failed", error: expect.stringContaining("denied") });
      expect(g.store.read().upstream_accounts.map((a) => a.name)).toEqual(["qwen"]);
    } finally {
      await fake.stop();
    }
  });
});
