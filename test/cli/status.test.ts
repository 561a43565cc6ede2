import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { FetchLike } from "../../src/cli/base-command.ts";
import { healthUrl } from "../../src/cli/probe-health.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { operatorToken } from "../../src/server/operator-token.ts";
import { MASTER_KEY, sandbox, type Sandbox } from "./cli-harness.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

async function seed() {
  await sb.run(["apikey", "add", "--name", "a"]);
  const b = (await sb.run(["apikey", "add", "--name", "b", "--json"])).json();
  await sb.run(["apikey", "disable", b.id]);
  const up1 = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "m1", "--json"])).json();
  const up2 = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "m2", "--json"])).json();
  await sb.run(["route", "add", "--from", "gpt*", "--to", "mock-1"]);
  return { up1, up2 };
}

describe("status", () => {
  test("server down: keys, accounts with unknown health, routes", async () => {
    await seed();
    const r = await sb.run(["status", "--json"]);
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc.server).toMatchObject({ up: false, url: "http://127.0.0.1:3847/health" });
    expect(doc.keys).toEqual({ total: 2, active: 1 });
    expect(doc.accounts.map((a: { name: string; health: string }) => [a.name, a.health])).toEqual([["m1", "unknown"], ["m2", "unknown"]]);
    expect(doc.routes).toHaveLength(1);
    const human = (await sb.run(["status"])).stdout;
    expect(human).toMatch(/^server\s+down/m);
    expect(human).toMatch(/^keys\s+2 \(1 active\)$/m);
    expect(human).toMatch(/^\s+ID\s+NAME\s+PROVIDER\s+STATUS\s+HEALTH$/m);
  });

  test("server up (injected fetch): account health from /health, probe within 1 s", async () => {
    const { up1, up2 } = await seed();
    const seen: { url: string; signal?: AbortSignal | null }[] = [];
    const fetch: FetchLike = async (url, init) => {
      seen.push({ url, signal: init?.signal });
      return Response.json({
        status: "degraded",
        version: "0.1.0",
        uptime_s: 42,
        accounts: { healthy: 1, total: 2, items: [{ id: up1.id, state: "healthy" }, { id: up2.id, state: "cooling", until: "2030-01-01T00:00:00.000Z" }] },
      }, { status: 200 });
    };
    const doc = (await sb.run(["status", "--json"], { fetch })).json();
    expect(seen[0]!.url).toBe("http://127.0.0.1:3847/health");
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(doc.server).toEqual({ up: true, url: "http://127.0.0.1:3847/health", status: "degraded", version: "0.1.0", uptime_s: 42 });
    expect(doc.accounts.map((a: { health: string; until?: string }) => [a.health, a.until])).toEqual([["healthy", undefined], ["cooling", "2030-01-01T00:00:00.000Z"]]);
    const human = (await sb.run(["status"], { fetch })).stdout;
    expect(human).toContain("server    up at http://127.0.0.1:3847 (degraded, version 0.1.0, up 42s)");
    expect(human).toContain("cooling until 2030-01-01T00:00:00.000Z");
  });

  test("the usage ledger's state and spend-capped accounts, from /health's details", async () => {
    const { up1, up2 } = await seed();
    const doc = (ledger: object | undefined) => ({
      status: "degraded",
      version: "0.1.0",
      uptime_s: 1,
      accounts: {
        healthy: 1,
        total: 2,
        items: [
          { id: up1.id, state: "healthy" },
          { id: up2.id, state: "spend_capped", until: "2030-01-02T00:00:00.000Z", reason: "spend_cap_daily", detail: "over its daily spend cap of $5.00 (spent $5.12)" },
        ],
      },
      ...(ledger && { usage_ledger: ledger }),
    });
    let ledger: object | undefined = { state: "degraded", reason: "database locked (SQLITE_BUSY)", since: "2030-01-01T10:00:00.000Z", buffered: 12, dropped: 0, written: 40 };
    const fetch: FetchLike = async () => Response.json(doc(ledger));
    const human = (await sb.run(["status"], { fetch })).stdout;
    expect(human).toContain("ledger    DEGRADED since 2030-01-01T10:00:00.000Z: database locked (SQLITE_BUSY) (40 rows written, 12 waiting); requests are still served");
    expect(human).toContain("spend_capped until 2030-01-02T00:00:00.000Z (spend_cap_daily)");
    const json = (await sb.run(["status", "--json"], { fetch })).json();
    expect(json.server.usage_ledger).toMatchObject({ state: "degraded", buffered: 12 });
    expect((await sb.run(["health"], { fetch })).stdout).toContain("usage ledger: degraded: database locked (SQLITE_BUSY) (12 rows waiting)");
    ledger = { state: "ok", buffered: 0, dropped: 0, written: 52 };
    expect((await sb.run(["status"], { fetch })).stdout).toContain("ledger    ok (52 rows written, 0 waiting)");
    ledger = undefined;
    expect((await sb.run(["status"], { fetch })).stdout).toContain("ledger    off (usage.enabled: false)");
  });

  test("the CLI sends its operator token; a server with another master key refuses it and still gives counts", async () => {
    await seed();
    const sent: (string | null)[] = [];
    const fetch: FetchLike = async (_url, init) => {
      const auth = new Headers(init?.headers).get("authorization");
      sent.push(auth);
      if (auth) return Response.json({ error: { message: "invalid operator token", type: "invalid_request_error", param: null, code: "invalid_api_key" } }, { status: 401 });
      return Response.json({ status: "ok", accounts: { healthy: 2, total: 2 } });
    };
    const health = await sb.run(["health"], { fetch });
    expect(health.code).toBe(0);
    expect(health.stdout.trim()).toBe("ok: 2/2 accounts healthy");
    expect(sent[0]).toBe(`Bearer ${operatorToken(Buffer.from(MASTER_KEY, "hex"))}`);
    expect(sent[1]).toBeNull();
    const status = await sb.run(["status"], { fetch });
    expect(status.stdout).toMatch(/^accounts\s+2 \(2 healthy\)$/m);
    expect(status.stdout).toContain("unknown");
  });

  test("server up (real socket on port 0): an unhealthy 503 still counts as up", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) =>
        new URL(req.url).pathname === "/health"
          ? Response.json({ status: "unhealthy", version: "0.1.0", uptime_s: 1, accounts: { healthy: 0, total: 0, items: [] } }, { status: 503 })
          : new Response("no", { status: 404 }),
    });
    try {
      new ConfigStore(sb.config, sb.env).update((c) => {
        c.server.host = "0.0.0.0";
        c.server.port = server.port!;
      });
      const r = await sb.run(["status", "--json"], { fetch: (url, init) => fetch(url, init) });
      expect(r.code).toBe(1);
      expect(r.json().server).toMatchObject({ up: true, status: "unhealthy", url: `http://127.0.0.1:${server.port}/health` });
    } finally {
      server.stop(true);
    }
  });

  test("health URL: wildcard binds are reached over loopback", () => {
    expect(healthUrl("0.0.0.0", 1)).toBe("http://127.0.0.1:1/health");
    expect(healthUrl("::", 2)).toBe("http://[::1]:2/health");
    expect(healthUrl("localhost", 3)).toBe("http://localhost:3/health");
  });
});

describe("exit codes: status, server status and health agree", () => {
  const answering = (status: string): FetchLike => async () =>
    Response.json({ status, version: "0.1.0", uptime_s: 1, accounts: { healthy: 0, total: 0, items: [] } }, { status: status === "unhealthy" ? 503 : 200 });
  const cases: [string, FetchLike | undefined, number][] = [
    ["nothing answers", undefined, 1],
    ["ok", answering("ok"), 0],
    ["degraded (some accounts down, requests still served)", answering("degraded"), 0],
    ["unhealthy", answering("unhealthy"), 1],
    ["something that is not a gateway answers", async () => new Response("<html>", { status: 200 }), 1],
  ];
  for (const [what, fetch, code] of cases) {
    test(`${what} → ${code}`, async () => {
      for (const command of [["status"], ["status", "--json"], ["server", "status"], ["health"], ["health", "--json"]]) {
        const r = await sb.run(command, { fetch });
        expect({ command, code: r.code }).toEqual({ command, code });
      }
    });
  }
});
