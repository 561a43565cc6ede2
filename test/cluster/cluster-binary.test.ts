// Cluster mode end to end: a real redis-server (Debian's, started here on a free port, no persistence) and three
// gateway instances from the compiled binary, each in a folder of its own (its own config file, as on three
// machines), sharing one master key. In order: a key's limit across the three; a 429 seen by one keeps the others
// off the account; a token expiring on all three is refreshed once; a route added on one serves on the others within
// 2 s and survives a restart; Redis killed mid-load fails no request; Redis back, sharing resumes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { ConfigStore } from "../../src/config/store.ts";
import { createConfigTokenPersistence } from "../../src/oauth/config-persistence.ts";
import { compiledBinary } from "../support/compiled-binary.ts";
import { gatewayFolder, until, type GatewayFolder, type GatewayProcess } from "../support/gateway-process.ts";
import { findRedisServer, startRedis, type RedisServer } from "../support/redis-server.ts";
import { startFakeOAuthServer, type FakeOAuthServer } from "../fakes/oauth-server.ts";
import { testAccount } from "../support/test-app.ts";

const redisBinary = findRedisServer();
if (!redisBinary) console.warn("redis-server is not installed: the cluster tests are skipped (apt-get install redis-server)");

const MASTER_KEY = "c".repeat(64);
const MIN = 60_000;

describe.skipIf(!redisBinary)("three instances on one Redis (compiled binary)", () => {
  let binary: string;
  let redis: RedisServer;
  let oauth: FakeOAuthServer;
  let limited: ReturnType<typeof Bun.serve>;
  let limitedHits = 0;
  const folders: GatewayFolder[] = [];
  const running: GatewayProcess[] = [];
  let keys: { limited: string; admin: string; load: string };
  let oauthAccountId: string;

  const folder = () => {
    const f = gatewayFolder(binary, { LLM_GATEWAY_MASTER_KEY: MASTER_KEY, LLM_GATEWAY_REDIS_URL: redis.url }, "lgw-cluster-");
    folders.push(f);
    return f;
  };
  const startIn = async (f: GatewayFolder) => {
    const p = await f.start();
    running.push(p);
    return p;
  };
  const post = (base: string, key: string, model: string, extra: Record<string, string> = {}) =>
    fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", connection: "close", ...extra },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
    });
  const health = async (base: string, key = keys.admin) => (await fetch(`${base}/health`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<any>;
  const addKey = (f: GatewayFolder, ...args: string[]) => {
    const r = f.cli("apikey", "add", "--json", ...args);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout).key as string;
  };

  let a: GatewayProcess;
  let b: GatewayProcess;
  let c: GatewayProcess;
  let fa: GatewayFolder;
  let fb: GatewayFolder;
  let fc: GatewayFolder;

  beforeAll(async () => {
    binary = await compiledBinary();
    redis = await startRedis(redisBinary);
    oauth = startFakeOAuthServer();
    // An upstream that answers every request 429 with Retry-After: the account it backs must cool on all three.
    limited = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => {
        limitedHits++;
        return Response.json({ error: { message: "slow down", type: "rate_limit_error" } }, { status: 429, headers: { "retry-after": "120" } });
      },
    });

    fa = folder();
    keys = {
      limited: addKey(fa, "--name", "limited", "--rpm", "6"),
      admin: addKey(fa, "--name", "ops", "--permissions", "read,write,admin"),
      load: addKey(fa, "--name", "load", "--rpm", "100000"),
    };
    expect(fa.cli("upstream", "add", "--provider", "openai-compatible", "--name", "flaky", "--key", "sk-flaky-secret", "--base-url", `http://127.0.0.1:${limited.port}/v1`, "--models", "gpt-test", "--priority", "0").code).toBe(0);
    expect(fa.cli("upstream", "add", "--provider", "mock", "--name", "mock", "--key", "mock-secret", "--models", "gpt-test,mock-1", "--priority", "1").code).toBe(0);
    // An Anthropic OAuth account on the fake OAuth server (which also plays Anthropic's /v1/messages).
    const store = new ConfigStore(fa.config, fa.env);
    const account = testAccount({
      name: "claude-oauth",
      type: "oauth",
      provider: "anthropic",
      base_url: oauth.url,
      models: ["claude-*"],
      oauth: { token_url: oauth.tokenUrl, client_id: oauth.clientId, authorize_url: oauth.authorizeUrl, redirect_uri: oauth.redirectUri },
    });
    oauthAccountId = account.id;
    store.update((cfg) => void cfg.upstream_accounts.push(account));
    const issued = oauth.issueTokens();
    await createConfigTokenPersistence({ store }).save(account.id, { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: Date.now() + 60 * MIN });

    // A shares its file first; B and C join with none of their own and take the cluster's.
    a = await startIn(fa);
    fb = folder();
    fc = folder();
    [b, c] = await Promise.all([startIn(fb), startIn(fc)]);
    // Eight builds and starts on a busy two-core machine.
  }, 120_000);

  afterAll(async () => {
    for (const p of running) p.stop();
    const codes = await Promise.all(running.map((p) => p.exited));
    limited?.stop(true);
    await oauth?.stop();
    await redis?.dispose();
    for (const f of folders) rmSync(f.dir, { recursive: true, force: true });
    expect(codes.every((code) => code === 0)).toBe(true);
  });

  test("B and C took A's configuration from Redis; the stored document keeps secrets sealed", async () => {
    for (const f of [fb, fc]) {
      const cfg = new ConfigStore(f.config, f.env).read();
      expect(cfg.gateway_keys.map((k) => k.name).sort()).toEqual(["limited", "load", "ops"]);
      expect(cfg.upstream_accounts.map((x) => x.name).sort()).toEqual(["claude-oauth", "flaky", "mock"]);
    }
    const text = (await redis.command("HGET", "llm-gateway:config", "text")) as string;
    expect(text).toContain("enc:v1:");
    for (const secret of ["sk-flaky-secret", "mock-secret", ...oauth.secrets()]) expect(text).not.toContain(secret);
  });

  test("a key limited to N requests a minute gets N across the three instances, not 3N", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 18; i++) statuses.push((await post([a, b, c][i % 3]!.url, keys.limited, "mock-1")).status);
    expect(statuses.filter((s) => s === 200).length).toBe(6);
    expect(statuses.filter((s) => s === 429).length).toBe(12);
  });

  test("a 429 with retry-after seen by one instance keeps the others off that account", async () => {
    const first = await post(a.url, keys.load, "gpt-test");
    expect(first.status).toBe(200); // failed over to the mock account
    expect(limitedHits).toBe(1);
    const flakyState = async (p: GatewayProcess) => (await health(p.url)).accounts.items.find((i: any) => i.state !== "healthy")?.state;
    await until(async () => (await flakyState(b)) === "cooling" && (await flakyState(c)) === "cooling", "B and C to see the account cooling");
    for (const p of [b, c, b, c, b, c]) expect((await post(p.url, keys.load, "gpt-test")).status).toBe(200);
    expect(limitedHits).toBe(1);
  });

  test("an OAuth token expiring on all three at once is refreshed once; the rotated token reaches every instance", async () => {
    const storeOf = (f: GatewayFolder) => new ConfigStore(f.config, f.env);
    const expiresAt = new Date(Date.now() + MIN).toISOString();
    // Inside the 5-minute refresh margin, written to A's file as the CLI would: the cluster spreads it.
    storeOf(fa).update((cfg) => {
      cfg.upstream_accounts.find((x) => x.id === oauthAccountId)!.oauth!.expires_at = expiresAt;
    });
    await until(
      () => [fb, fc].every((f) => storeOf(f).read().upstream_accounts.find((x) => x.id === oauthAccountId)!.oauth!.expires_at === expiresAt),
      "the expiry to reach B and C",
    );
    const release = oauth.holdRefreshes();
    const ask = (p: GatewayProcess) =>
      fetch(`${p.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": keys.load, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
      });
    const answers = [a, b, c].map(ask);
    await until(() => oauth.counts.tokenCalls >= 1, "the refresh to reach the OAuth server");
    release();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(oauth.counts.refreshes).toBe(1);
    const tokensOf = async (f: GatewayFolder) => (await createConfigTokenPersistence({ store: storeOf(f) }).load(oauthAccountId))!;
    const fresh = await tokensOf(fa);
    await until(async () => (await tokensOf(fb)).accessToken === fresh.accessToken && (await tokensOf(fc)).accessToken === fresh.accessToken, "the new tokens on B and C");
    expect((await tokensOf(fc)).refreshToken).toBe(fresh.refreshToken!);
    // Every instance uses the new token; nobody refreshes again.
    expect((await Promise.all([a, b, c].map(ask))).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(oauth.counts.refreshes).toBe(1);
  });

  test("a route added on one instance serves on the others within 2 s, and survives a restart", async () => {
    expect(fa.cli("route", "add", "--from", "alias-cli", "--to", "mock-1").code).toBe(0);
    const added = Date.now();
    for (const p of [b, c]) await until(async () => (await post(p.url, keys.load, "alias-cli")).status === 200, "the CLI's route on B and C", 2000 - (Date.now() - added));
    // Through the admin API of another instance.
    const res = await fetch(`${c.url}/admin/api/routes`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ source_model: "alias-api", target_model: "mock-1" }),
    });
    expect(res.status).toBe(201);
    const made = Date.now();
    for (const p of [a, b]) await until(async () => (await post(p.url, keys.load, "alias-api")).status === 200, "the API's route on A and B", 2000 - (Date.now() - made));
    // B restarts: its own file has both routes.
    expect(await b.stop()).toBe(0);
    b = await startIn(fb);
    for (const model of ["alias-cli", "alias-api"]) expect((await post(b.url, keys.load, model)).status).toBe(200);
  });

  test("Redis killed mid-load: no client request fails; /health and status say degraded; one warning each", async () => {
    let stop = false;
    let total = 0;
    let afterKill = 0;
    let killed = false;
    const failures: string[] = [];
    const loop = async (p: GatewayProcess) => {
      let n = 0;
      while (!stop) {
        const r = await post(p.url, keys.load, "mock-1");
        if (r.status !== 200) failures.push(`${r.status} ${await r.text()}`);
        else await r.arrayBuffer();
        n++;
        total++;
        if (killed) afterKill++;
      }
      return n;
    };
    const loops = [a, b, c, a, b, c].map(loop);
    await until(() => total >= 30, "30 requests with Redis up");
    redis.kill().then(() => void (killed = true));
    await until(() => afterKill >= 60, "60 requests after Redis was killed");
    stop = true;
    const done = await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(done.reduce((x, y) => x + y, 0)).toBeGreaterThan(60);

    for (const p of [a, b, c]) {
      const h = await health(p.url);
      expect(h.status).toBe("degraded");
      expect(h.state_store).toMatchObject({ backend: "redis", state: "degraded" });
      expect(p.logs().match(/shared state \(Redis\) unreachable/g)?.length).toBe(1);
    }
    // `status` on a machine whose file points at A.
    const store = new ConfigStore(fa.config, fa.env);
    store.update((cfg) => void (cfg.server.port = Number(new URL(a.url).port)));
    const status = fa.cli("status");
    expect(status.stdout).toMatch(/state {5}shared in Redis: DEGRADED since .*requests are served with each process's own state/);
  });

  test("Redis back: sharing resumes (the configuration shared again, limits counted across the three again)", async () => {
    await redis.start();
    for (const p of [a, b, c]) await until(async () => (await health(p.url)).state_store?.state === "ok", "the state store ok again");
    for (const p of [a, b, c]) expect(p.logs()).toContain("shared state (Redis) reachable again");
    // The restarted Redis is empty: an instance shares its file again.
    await until(async () => (await redis.command("EXISTS", "llm-gateway:config")) === 1, "the configuration in Redis again");
    const again = addKey(fa, "--name", "after", "--rpm", "4");
    for (const p of [b, c]) await until(async () => (await fetch(`${p.url}/health`, { headers: { authorization: `Bearer ${again}` } })).status === 200, "the new key on B and C");
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post([a, b, c][i % 3]!.url, again, "mock-1")).status);
    expect(statuses.filter((s) => s === 200).length).toBe(4);
    // Every key is under the namespace and expires.
    const all = (await redis.command("KEYS", "*")) as string[];
    expect(all.length).toBeGreaterThan(0);
    for (const k of all) {
      expect(k.startsWith("llm-gateway:")).toBe(true);
      expect(Number(await redis.command("PTTL", k))).toBeGreaterThan(0);
    }
    // Nothing secret in the logs or in any instance's file.
    for (const p of running) for (const secret of oauth.secrets()) expect(p.logs()).not.toContain(secret);
    for (const f of folders) expect(readFileSync(f.config, "utf8")).not.toContain("sk-flaky-secret");
  });
});

describe("an instance whose Redis is not there at start", () => {
  test("serves with its own file and state, says degraded, warns once", async () => {
    const binary = await compiledBinary();
    // A port nothing listens on.
    const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const deadUrl = `redis://127.0.0.1:${s.port}`;
    s.stop(true);
    const f = gatewayFolder(binary, { LLM_GATEWAY_MASTER_KEY: MASTER_KEY, LLM_GATEWAY_REDIS_URL: deadUrl }, "lgw-cluster-down-");
    try {
      const key = JSON.parse(f.cli("apikey", "add", "--name", "k", "--rpm", "3", "--json").stdout).key as string;
      expect(f.cli("upstream", "add", "--provider", "mock", "--name", "mock", "--key", "m", "--models", "mock-1").code).toBe(0);
      const p = await f.start();
      try {
        const ask = () =>
          fetch(`${p.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "hi" }] }),
          });
        // Its own window: the limit still holds in this process.
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await ask()).status);
        expect(statuses).toEqual([200, 200, 200, 429]);
        const h = (await (await fetch(`${p.url}/health`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
        expect(h.status).toBe("degraded");
        expect(h.state_store).toMatchObject({ backend: "redis", state: "degraded", reason: expect.stringContaining("cannot connect") });
        expect(p.logs().match(/shared state \(Redis\) unreachable/g)?.length).toBe(1);
      } finally {
        expect(await p.stop()).toBe(0);
      }
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
