import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DAY_MS, HOUR_MS } from "../../src/usage/ledger/rollup.ts";
import { createSqlLedgerStore } from "../../src/usage/ledger/sql-store.ts";
import { LATEST_SCHEMA_VERSION } from "../../src/usage/ledger/migrations.ts";
import { UsageDocument } from "../../src/usage/usage-document.ts";
import { SQL } from "bun";
import YAML from "yaml";
import { findPostgresBin, startPostgres, type PostgresServer } from "../support/postgres-server.ts";
import { sandbox, type Sandbox } from "./cli-harness.ts";
import { fillLedger, todayTimes, usageRow } from "./fixtures/usage-ledger.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

const { day, today } = todayTimes();
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Two keys (team, ops) and a removed one, two accounts, a priced model, a second priced one and one without a
 * price, over four days; one request 20 days ago (outside the default 7 days).
 */
async function setUp() {
  const team = (await sb.run(["apikey", "add", "--name", "team", "--json"])).json();
  const ops = (await sb.run(["apikey", "add", "--name", "ops", "--json"])).json();
  const claude = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "claude-main", "--json"])).json();
  const oai = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "oai", "--json"])).json();
  await fillLedger(sb, [
    usageRow({ time: day - 3 * DAY_MS + HOUR_MS, keyId: team.id, accountId: claude.id, modelServed: "claude-sonnet-4", costUsd: 1, inputTokens: 1000, outputTokens: 100, totalMs: 1000, ttfbMs: 100 }),
    usageRow({ time: day - 2 * DAY_MS + HOUR_MS, keyId: team.id, accountId: claude.id, modelServed: "claude-sonnet-4", costUsd: 2, inputTokens: 2000, outputTokens: 200, totalMs: 3000, ttfbMs: 300 }),
    usageRow({ time: day - DAY_MS + HOUR_MS, keyId: ops.id, accountId: oai.id, modelServed: "gpt-4o", costUsd: 0.5, inputTokens: 500, outputTokens: 50, cacheReadTokens: 7, reasoningTokens: 3 }),
    usageRow({ time: today, keyId: ops.id, accountId: oai.id, modelServed: "mystery-model", costUsd: null, inputTokens: 10, outputTokens: 1 }),
    usageRow({ time: today, keyId: "key_removed", accountId: null, modelServed: null, modelRequested: "gpt-4o", status: 502, errorType: "upstream_error", costUsd: null, inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null, ttfbMs: null }),
    usageRow({ time: day - 20 * DAY_MS, keyId: team.id, accountId: claude.id, modelServed: "claude-sonnet-4", costUsd: 100 }),
  ]);
  return { team, ops, claude, oai };
}

describe("usage", () => {
  test("no ledger yet: says so, exits 0, creates nothing; --json is an empty report with recorded false", async () => {
    const r = await sb.run(["usage"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No usage recorded yet");
    expect(r.stdout).toContain(join(sb.dir, "usage.db"));
    const j = await sb.run(["usage", "--by", "key", "--json"]);
    expect(j.code).toBe(0);
    expect(j.json()).toMatchObject({ recorded: false, rows: [], totals: { requests: 0, costUsd: null } });
    expect(j.stderr).toContain("No usage recorded yet");
    expect(existsSync(join(sb.dir, "usage.db"))).toBe(false);
  });

  test("totals of the last 7 days: requests, errors, tokens, cost with the unpriced requests apart, latency", async () => {
    await setUp();
    const r = await sb.run(["usage"]);
    expect(r.code).toBe(0);
    const total = r.stdout.split("\n").find((l) => l.startsWith("TOTAL"))!;
    // 5 requests, 1 error, 3,510 in, 351 out, 7 cache read, 0 written, 3 reasoning, $3.50 known, 2 unpriced.
    expect(total.split(/\s{2,}/)).toEqual(["TOTAL", "5", "1", "3,510", "351", "7", "0", "3", "$3.50", "2", expect.stringMatching(/^\d/), expect.stringMatching(/^\d/)]);
    expect(r.stdout).toContain("UNPRICED: requests without a known cost");
    const j = (await sb.run(["usage", "--json"])).json();
    expect(Value.Check(UsageDocument, j)).toBe(true);
    expect(j.totals).toMatchObject({ requests: 5, successes: 4, errors: 1, inputTokens: 3510, outputTokens: 351, costUsd: 3.5, unknownCostRequests: 2 });
  });

  test("--by key names keys from the config; a removed key shows by its id", async () => {
    const { team, ops } = await setUp();
    const r = await sb.run(["usage", "--by", "key"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const row = (label: string) => lines.find((l) => l.startsWith(label))?.split(/\s{2,}/);
    expect(row(`team (${team.id})`)).toEqual(expect.arrayContaining(["2", "$3.00"]));
    expect(row(`ops (${ops.id})`)?.slice(1, 2)).toEqual(["2"]);
    expect(row(`ops (${ops.id})`)).toContain("$0.50");
    expect(row("key_removed")).toContain("unknown");
    const j = (await sb.run(["usage", "--by", "key", "--json"])).json();
    expect(j.rows.map((x: { group: string; name?: string }) => [x.group, x.name])).toEqual([[team.id, "team"], [ops.id, "ops"], ["key_removed", undefined]]);
  });

  test("--by account, model, day, hour", async () => {
    const { claude, oai } = await setUp();
    const acc = (await sb.run(["usage", "--by", "account", "--json"])).json();
    expect(acc.rows.map((x: { group: string | null; name?: string; requests: number }) => [x.group, x.name, x.requests])).toEqual([
      [claude.id, "claude-main", 2],
      [oai.id, "oai", 2],
      [null, undefined, 1],
    ]);
    expect((await sb.run(["usage", "--by", "account"])).stdout).toContain("(no account)");
    const models = (await sb.run(["usage", "--by", "model", "--json"])).json();
    expect(models.rows.map((x: { group: string; costUsd: number | null; unknownCostRequests: number }) => [x.group, x.costUsd, x.unknownCostRequests])).toEqual([
      ["claude-sonnet-4", 3, 0],
      ["gpt-4o", 0.5, 1],
      ["mystery-model", null, 1],
    ]);
    const days = (await sb.run(["usage", "--by", "day", "--since", iso(day - 3 * DAY_MS), "--json"])).json();
    expect(days.rows.map((x: { group: string; requests: number }) => [x.group, x.requests])).toEqual([
      [iso(day - 3 * DAY_MS), 1],
      [iso(day - 2 * DAY_MS), 1],
      [iso(day - DAY_MS), 1],
      [iso(day), 2],
    ]);
    const hours = (await sb.run(["usage", "--by", "hour", "--since", "today", "--json"])).json();
    expect(hours.rows).toHaveLength(1);
    expect(hours.rows[0]).toMatchObject({ group: `${new Date(today - (today % HOUR_MS)).toISOString().slice(0, 13)}:00Z`, requests: 2 });
  });

  test("filters: key and account by name or id, model; a name nobody has is matched as an id, with a note", async () => {
    const { team, oai } = await setUp();
    const byName = (await sb.run(["usage", "--key", "team", "--json"])).json();
    expect(byName.filters).toEqual({ keyId: team.id });
    expect(byName.totals).toMatchObject({ requests: 2, costUsd: 3 });
    expect((await sb.run(["usage", "--key", team.id, "--since", "30d", "--json"])).json().totals.costUsd).toBe(103);
    const acc = (await sb.run(["usage", "--account", "oai", "--model", "gpt-4o", "--json"])).json();
    expect(acc.filters).toEqual({ accountId: oai.id, model: "gpt-4o" });
    expect(acc.totals).toMatchObject({ requests: 1, costUsd: 0.5 });
    const gone = await sb.run(["usage", "--key", "key_removed"]);
    expect(gone.code).toBe(0);
    expect(gone.stderr).toContain('note: no gateway key has the id or name "key_removed" now');
    expect(gone.stdout).toContain("only key key_removed");
    expect(gone.stdout.split("\n").find((l) => l.startsWith("TOTAL"))).toMatch(/^TOTAL\s+1\s+1\s/);
  });

  test("ranges: dates (an --until date includes its day), durations, today, month", async () => {
    await setUp();
    const oneDay = (await sb.run(["usage", "--since", iso(day - 2 * DAY_MS), "--until", iso(day - 2 * DAY_MS), "--json"])).json();
    expect(oneDay).toMatchObject({ since: day - 2 * DAY_MS, until: day - DAY_MS, totals: { requests: 1, costUsd: 2 } });
    expect((await sb.run(["usage", "--since", "today", "--json"])).json().totals.requests).toBe(2);
    expect((await sb.run(["usage", "--since", "30d", "--until", "10d", "--json"])).json().totals.costUsd).toBe(100);
    const t = (await sb.run(["usage", "--since", `${iso(day - 3 * DAY_MS)}T00:30Z`, "--until", `${iso(day - 3 * DAY_MS)}T01:30:00Z`, "--json"])).json();
    expect(t.totals.requests).toBe(1);
    const text = (await sb.run(["usage", "--since", iso(day - 2 * DAY_MS), "--until", iso(day - 2 * DAY_MS)])).stdout;
    expect(text).toContain(`Usage ${iso(day - 2 * DAY_MS)} 00:00 → ${iso(day - DAY_MS)} 00:00 UTC`);
  });

  test("--csv: a header, a line per group, the totals last; unknown cost is an empty cell; formulas are defused", async () => {
    const { team } = await setUp();
    await fillLedger(sb, [usageRow({ time: today, keyId: team.id, modelServed: '=HYPERLINK("x","y")', costUsd: null })]);
    const r = await sb.run(["usage", "--by", "model", "--csv"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("row,group,name,requests,successes,errors,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,cost_usd,unknown_cost_requests,avg_total_ms,avg_ttfb_ms,last_used");
    expect(lines[1]).toStartWith("group,claude-sonnet-4,,2,2,0,3000,300,0,0,0,3,0,2000,200,");
    expect(lines.find((l) => l.startsWith("group,mystery-model"))!.split(",")[11]).toBe("");
    expect(lines).toContain(lines.find((l) => l.startsWith(`group,"'=HYPERLINK(""x"",""y"")"`))!);
    expect(lines.at(-1)).toStartWith("total,,,6,");
    expect(lines).toHaveLength(1 + 4 + 1);
  });

  test("bad options exit 2 naming the option", async () => {
    await setUp();
    await sb.run(["apikey", "add", "--name", "team", "--force"]);
    const cases: [string[], RegExp][] = [
      [["--by", "week"], /^error: --by expects one of key, account, model, day, hour; got "week"$/],
      [["--by", "key", "--by", "model"], /^error: --by takes one grouping at a time/],
      [["--since", "yesterday"], /^error: --since expects a duration back from now/],
      [["--until", "2026-02-30"], /^error: --until expects/],
      [["--since", "1d", "--until", "2d"], /^error: --until \(.*\) must be after the start of the range/],
      [["--json", "--csv"], /^error: --json and --csv exclude each other$/],
      [["--key", "team"], /^error: --key "team" names 2 gateway keys; give the id/],
      [["--model", ""], /^error: --model needs a model name$/],
      [["--group", "key"], /unsupported option name \("--group"\)/],
    ];
    for (const [args, message] of cases) {
      const r = await sb.run(["usage", ...args]);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  });

  test("reads while a gateway holds the database open and writes, and never migrates: a newer schema is refused", async () => {
    await sb.run(["apikey", "list"]);
    const path = join(sb.dir, "usage.db");
    const writer = createSqlLedgerStore({ kind: "sqlite", path });
    await writer.insertBatch([usageRow({ time: today })]);
    expect((await sb.run(["usage", "--json"])).json().totals.requests).toBe(1);
    await writer.insertBatch([usageRow({ time: today })]);
    expect((await sb.run(["usage", "--json"])).json().totals.requests).toBe(2);
    await writer.close();

    const db = new SQL({ adapter: "sqlite", filename: path });
    await db`INSERT INTO usage_migrations (version, name, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 1}, ${"future"}, ${0})`;
    await db.close();
    const r = await sb.run(["usage"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read the usage ledger");
    expect(r.stderr).toContain("upgrade the gateway");
  });
});

const pgBin = findPostgresBin();
describe.skipIf(!pgBin)("usage from a PostgreSQL ledger", () => {
  let pg: PostgresServer;
  // Starting a cluster takes seconds on a busy machine: past a hook's default 5 s.
  beforeAll(async () => void (pg = await startPostgres(pgBin!)), 60_000);
  afterAll(() => pg.dispose(), 30_000);

  test("the sealed database URL is opened to read; a server that does not answer is a clear error without the URL", async () => {
    pg.psql("CREATE DATABASE cli_usage");
    pg.psql("CREATE USER gw WITH PASSWORD 'pg-secret-9'");
    pg.psql("GRANT ALL ON DATABASE cli_usage TO gw");
    pg.psql("ALTER DATABASE cli_usage OWNER TO gw");
    const url = pg.url.replace(/\/\/[^@]*@/, "//gw:pg-secret-9@").replace(/\/postgres$/, "/cli_usage");
    const writer = createSqlLedgerStore({ kind: "postgres", url });
    await writer.insertBatch([usageRow({ time: today, costUsd: 0.25 })]);
    await writer.close();

    await sb.run(["apikey", "list"]);
    const doc = YAML.parse(await Bun.file(sb.config).text());
    doc.usage = { database_url: url };
    writeFileSync(sb.config, YAML.stringify(doc));
    await sb.run(["apikey", "add", "--name", "seal-it"]);
    expect(await Bun.file(sb.config).text()).not.toContain("pg-secret-9");

    const r = await sb.run(["usage", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json().totals).toMatchObject({ requests: 1, costUsd: 0.25 });

    await pg.stop();
    try {
      const down = await sb.run(["usage"]);
      expect(down.code).toBe(1);
      expect(down.stderr).toContain("cannot read the usage ledger: database unreachable");
      expect(down.stderr).not.toContain("pg-secret-9");
      const show = await sb.run(["apikey", "show", "seal-it", "--json"]);
      expect(show.code).toBe(0);
      expect(show.json().usage).toBeNull();
      expect(show.stderr).toContain("warning: usage not shown");
    } finally {
      await pg.start();
    }
  });
});
