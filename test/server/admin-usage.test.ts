import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer } from "../../src/runtime/start-server.ts";
import { usageRow } from "../../src/usage/ledger/__fixtures__/rows.ts";
import { openUsageReader } from "../../src/usage/ledger/ledger-from-config.ts";
import { DAY_MS, HOUR_MS } from "../../src/usage/ledger/rollup.ts";
import { createSqlLedgerStore } from "../../src/usage/ledger/sql-store.ts";
import { UsageDocument } from "../../src/usage/usage-document.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

/**
 * GET /admin/api/usage through app.handle, against a SQLite ledger filled by the ledger's own store and read the
 * way the server reads it (openUsageReader, read-only, on the worker thread).
 */
const dir = mkdtempSync(join(tmpdir(), "admin-usage-"));
const configPath = join(dir, "config.yaml");
const NOW = Date.UTC(2026, 5, 15, 12, 30);
const admin = testKey({ id: "key_ops", name: "ops", permissions: ["admin"] });
const user = testKey({ id: "key_team", name: "team", permissions: ["read", "write"] });
const account = testAccount({ name: "claude-main" });
const config = testConfig({ gateway_keys: [admin.key, user.key], upstream_accounts: [account] });
const reader = openUsageReader({ usage: config.usage, configPath, thread: "worker", clock: () => NOW });
const { request } = testApp(config, { clock: () => NOW, queryUsage: (q) => reader.query(q) });
const body = async (r: Response | Promise<Response>): Promise<any> => (await r).json();
const get = (qs: string, raw = admin.raw) => request(`/admin/api/usage${qs}`, { headers: { authorization: `Bearer ${raw}` } });

beforeAll(async () => {
  const store = createSqlLedgerStore({ kind: "sqlite", path: join(dir, "usage.db") });
  await store.insertBatch([
    usageRow({ time: NOW - 2 * DAY_MS, keyId: user.key.id, accountId: account.id, modelServed: "claude-sonnet-4", costUsd: 0.5 }),
    usageRow({ time: NOW - DAY_MS, keyId: user.key.id, accountId: account.id, modelServed: "claude-sonnet-4", costUsd: 0.25 }),
    usageRow({ time: NOW - HOUR_MS, keyId: admin.key.id, accountId: account.id, modelServed: "mystery", costUsd: null }),
    usageRow({ time: NOW - HOUR_MS, keyId: "key_removed", accountId: null, modelServed: null, status: 502, errorType: "upstream_error", costUsd: null }),
    usageRow({ time: NOW - 30 * DAY_MS, keyId: user.key.id, costUsd: 9 }),
  ]);
  await store.close();
});
afterAll(async () => {
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /admin/api/usage", () => {
  test("admin keys only: 401 without a key, 403 for a read/write key, in OpenAI's error shape", async () => {
    const none = await request("/admin/api/usage");
    expect(none.status).toBe(401);
    const denied = await get("", user.raw);
    expect(denied.status).toBe(403);
    expect((await body(denied)).error).toMatchObject({ type: "permission_error", message: expect.stringContaining("admin") });
    expect(denied.headers.get("x-request-id")).toBeTruthy();
  });

  test("the last 7 days by default: totals with unknown costs counted apart, never as $0", async () => {
    const res = await get("");
    expect(res.status).toBe(200);
    const doc = await body(res);
    expect(Value.Check(UsageDocument, doc)).toBe(true);
    expect(doc).toMatchObject({ since: NOW - 7 * DAY_MS, until: NOW, groupBy: null, filters: {}, recorded: true, rows: [] });
    expect(doc.totals).toMatchObject({ requests: 4, errors: 1, costUsd: 0.75, unknownCostRequests: 2 });
  });

  test("groupings: keys with their names (a removed key by its id), accounts, models, days, hours", async () => {
    const byKey = await body(get("?by=key"));
    expect(byKey.rows.map((r: { group: string; name?: string; costUsd: number | null }) => [r.group, r.name, r.costUsd])).toEqual([
      [user.key.id, "team", 0.75],
      [admin.key.id, "ops", null],
      ["key_removed", undefined, null],
    ]);
    const byAccount = await body(get("?by=account"));
    expect(byAccount.rows.map((r: { group: string | null; name?: string }) => [r.group, r.name])).toEqual([[account.id, "claude-main"], [null, undefined]]);
    const byModel = await body(get("?by=model"));
    // The failed request has no model served: it counts under the model asked for.
    expect(byModel.rows.map((r: { group: string; requests: number; costUsd: number | null; unknownCostRequests: number }) => [r.group, r.requests, r.costUsd, r.unknownCostRequests])).toEqual([
      ["claude-sonnet-4", 3, 0.75, 1],
      ["mystery", 1, null, 1],
    ]);
    const byDay = await body(get("?by=day&since=2026-06-12&until=2026-06-15"));
    expect(byDay.rows.map((r: { group: string; requests: number }) => [r.group, r.requests])).toEqual([
      ["2026-06-13", 1],
      ["2026-06-14", 1],
      ["2026-06-15", 2],
    ]);
    const byHour = await body(get("?by=hour&since=2h"));
    expect(byHour.rows.map((r: { group: string; requests: number }) => [r.group, r.requests])).toEqual([["2026-06-15T11:00Z", 2]]);
  });

  test("filters by id or name; the range from dates, times and durations; `by` as a comma list of one", async () => {
    const byName = await body(get("?key=team&since=month"));
    expect(byName.filters).toEqual({ keyId: user.key.id });
    expect(byName.totals).toMatchObject({ requests: 2, costUsd: 0.75 });
    const byAccount = await body(get(`?account=${account.id}&model=mystery`));
    expect(byAccount.totals).toMatchObject({ requests: 1, costUsd: null });
    const old = await body(get("?since=2026-05-01&until=2026-05-31&by=key,"));
    expect(old.rows).toEqual([expect.objectContaining({ group: user.key.id, requests: 1, costUsd: 9 })]);
    const exact = await body(get("?since=2026-06-14T12:30Z&until=2026-06-14T12:31Z"));
    expect(exact.totals.requests).toBe(1);
  });

  test("bad parameters are 400s naming the parameter", async () => {
    const cases: [string, string, RegExp][] = [
      ["?since=yesterday", "since", /since expects a duration/],
      ["?until=2026-13-01", "until", /until expects/],
      ["?since=1h&until=2h", "until", /must be after the start/],
      ["?by=week", "by", /by expects one of key, account, model, day, hour; got "week"/],
      ["?by=key&by=model", "by", /one grouping at a time/],
      ["?group_by=key", "group_by", /unknown query parameter "group_by"/],
      ["?key=", "key", /key needs a gateway key id or name/],
      ["?since=1d&since=2d", "since", /given 2 times/],
    ];
    for (const [qs, param, message] of cases) {
      const res = await get(qs);
      expect(res.status).toBe(400);
      const { error } = await body(res);
      expect(error).toMatchObject({ type: "invalid_request_error", param });
      expect(error.message).toMatch(message);
    }
  });

  test("no ledger yet: an empty report with recorded false; no reader at all: 503", async () => {
    const empty = openUsageReader({ usage: config.usage, configPath: join(dir, "elsewhere", "config.yaml"), thread: "this", clock: () => NOW });
    const app = testApp(config, { clock: () => NOW, queryUsage: (q) => empty.query(q) });
    const res = await app.request("/admin/api/usage?by=key", { headers: { authorization: `Bearer ${admin.raw}` } });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ recorded: false, rows: [], totals: { requests: 0, costUsd: null } });
    await empty.close();
    const none = testApp(config, { clock: () => NOW });
    const off = await none.request("/admin/api/usage", { headers: { authorization: `Bearer ${admin.raw}` } });
    expect(off.status).toBe(503);
    expect((await body(off)).error.message).toContain("usage ledger is not available");
  });

  test("a ledger that cannot be read is a 503 saying why, without the database URL", async () => {
    const app = testApp(config, {
      clock: () => NOW,
      queryUsage: () => Promise.reject(Object.assign(new Error("connect to postgres://gw:hunter2@db/usage failed"), { code: "ERR_POSTGRES_CONNECTION_REFUSED" })),
    });
    const res = await app.request("/admin/api/usage", { headers: { authorization: `Bearer ${admin.raw}` } });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain("database unreachable");
    expect(text).not.toContain("hunter2");
  });

  test("documented in /swagger/json with the document's schema and its parameters", async () => {
    const spec = await body(request("/swagger/json"));
    const op = spec.paths["/admin/api/usage"].get;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(["since", "until", "by", "key", "account", "model"]);
    const schema = op.responses["200"].content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(["since", "until", "groupBy", "filters", "recorded", "rows", "totals"]);
  });
});

test("a started server that writes no ledger (usage.enabled: false) answers from the one beside its config, read-only on its worker thread", async () => {
  const serverDir = mkdtempSync(join(tmpdir(), "admin-usage-server-"));
  try {
    const store = new ConfigStore(join(serverDir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
    store.update((c) => {
      c.gateway_keys.push(admin.key);
      c.usage.enabled = false;
    });
    const server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} } });
    try {
      const ask = async () => body(fetch(`${server.url}/admin/api/usage?since=1d`, { headers: { authorization: `Bearer ${admin.raw}` } }));
      expect(await ask()).toMatchObject({ recorded: false, totals: { requests: 0 } });
      // A gateway writing the same file (this helper reads, never creates or migrates).
      expect(existsSync(join(serverDir, "usage.db"))).toBe(false);
      const writer = createSqlLedgerStore({ kind: "sqlite", path: join(serverDir, "usage.db") });
      await writer.insertBatch([usageRow({ time: Date.now() - 60_000, keyId: admin.key.id, costUsd: 0.125 })]);
      expect(await ask()).toMatchObject({ recorded: true, totals: { requests: 1, costUsd: 0.125 } });
      await writer.close();
    } finally {
      await server.shutdown(1000);
    }
  } finally {
    rmSync(serverDir, { recursive: true, force: true });
  }
});

test("a started server that writes the ledger answers from it: the requests it served, once written", async () => {
  const serverDir = mkdtempSync(join(tmpdir(), "admin-usage-writer-"));
  try {
    const store = new ConfigStore(join(serverDir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
    const user = testKey();
    store.update((c) => {
      c.gateway_keys.push(admin.key, user.key);
      c.upstream_accounts.push(testAccount({ provider: "mock" }));
      c.usage.flush_interval = 0.01;
    });
    const server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} } });
    try {
      const ask = async () => body(fetch(`${server.url}/admin/api/usage?since=1d&by=key`, { headers: { authorization: `Bearer ${admin.raw}` } }));
      const chat = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${user.raw}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(chat.status).toBe(200);
      let report = await ask();
      for (let i = 0; i < 10_000 && report.totals?.requests !== 1; i++) report = await ask();
      expect(report).toMatchObject({ recorded: true, totals: { requests: 1 } });
      expect(report.rows.map((r: { group: string }) => r.group)).toEqual([user.key.id]);
    } finally {
      await server.shutdown(1000);
    }
  } finally {
    rmSync(serverDir, { recursive: true, force: true });
  }
});
