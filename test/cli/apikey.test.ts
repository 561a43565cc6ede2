import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ConfigStore } from "../../src/config/store.ts";
import { DAY_MS, HOUR_MS } from "../../src/usage/ledger/rollup.ts";
import { sandbox, type Sandbox } from "./cli-harness.ts";
import { fillLedger, todayTimes, usageRow } from "./fixtures/usage-ledger.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("apikey", () => {
  test("add --json prints the new key once; the file holds only its SHA-256", async () => {
    const r = await sb.run(["apikey", "add", "--name", "team", "--permissions", "read,write,admin", "--rpm", "600", "--json"]);
    expect(r.code).toBe(0);
    const added = r.json();
    expect(added.id).toMatch(/^key_[0-9a-f]{12}$/);
    expect(added.key).toMatch(/^lgw_[A-Za-z0-9_-]{43}$/);
    expect(added).toMatchObject({ name: "team", permissions: ["read", "write", "admin"], rate_limit_rpm: 600, status: "active" });
    expect(added.key_prefix).toBe(added.key.slice(0, 12));
    expect(Date.parse(added.created_at)).not.toBeNaN();

    const text = await Bun.file(sb.config).text();
    expect(text).not.toContain(added.key);
    const stored = new ConfigStore(sb.config, sb.env).read().gateway_keys;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.key_hash).toBe(sha256(added.key));

    // Never again: list and show print the prefix only.
    const list = await sb.run(["apikey", "list"]);
    const show = await sb.run(["apikey", "show", added.id, "--json"]);
    for (const out of [list.stdout, show.stdout]) {
      expect(out).not.toContain(added.key);
      expect(out).toContain(added.key_prefix);
    }
    expect(show.json()).not.toHaveProperty("key");
  });

  test("add without --json prints the key and a once-only warning", async () => {
    const r = await sb.run(["apikey", "add", "--name", "quick"]);
    expect(r.code).toBe(0);
    const key = r.stdout.match(/lgw_[A-Za-z0-9_-]{43}/)![0];
    expect(r.stdout).toContain("shown only this once");
    expect(new ConfigStore(sb.config, sb.env).read().gateway_keys[0]!.key_hash).toBe(sha256(key));
  });

  test("defaults to read,write; --expires-in sets expires_at", async () => {
    for (const [text, ms] of [["30d", 30 * 86_400_000], ["12h", 12 * 3_600_000], ["90m", 90 * 60_000], ["3600s", 3_600_000]] as const) {
      const before = Date.now();
      const k = (await sb.run(["apikey", "add", "--name", text, "--expires-in", text, "--json"])).json();
      expect(k.permissions).toEqual(["read", "write"]);
      const at = Date.parse(k.expires_at);
      expect(at).toBeGreaterThanOrEqual(before + ms);
      expect(at).toBeLessThanOrEqual(Date.now() + ms);
    }
  });

  test("list --json is one document; human list has aligned columns", async () => {
    expect((await sb.run(["apikey", "list", "--json"])).json()).toEqual([]);
    expect((await sb.run(["apikey", "list"])).stdout).toContain("No gateway keys");
    await sb.run(["apikey", "add", "--name", "a"]);
    await sb.run(["apikey", "add", "--name", "bbbbbbbb"]);
    const list = (await sb.run(["apikey", "list", "--json"])).json();
    expect(list.map((k: { name: string }) => k.name)).toEqual(["a", "bbbbbbbb"]);
    for (const k of list) expect(k).not.toHaveProperty("key_hash");
    const lines = (await sb.run(["apikey", "list"])).stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const col = lines[0]!.indexOf("PREFIX");
    expect(lines.slice(1).every((l) => /^lgw_/.test(l.slice(col)))).toBe(true);
  });

  test("disable, enable, remove by id (and by unique name)", async () => {
    const k = (await sb.run(["apikey", "add", "--name", "ops", "--json"])).json();
    expect((await sb.run(["apikey", "disable", k.id])).code).toBe(0);
    expect((await sb.run(["apikey", "show", k.id, "--json"])).json().status).toBe("disabled");
    expect((await sb.run(["apikey", "show", k.id])).stdout).toMatch(/status:\s+disabled/);
    expect((await sb.run(["apikey", "enable", "ops"])).code).toBe(0);
    expect((await sb.run(["apikey", "show", "ops", "--json"])).json().status).toBe("active");
    const removed = await sb.run(["apikey", "remove", k.id]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(k.id);
    expect((await sb.run(["apikey", "list", "--json"])).json()).toEqual([]);
  });

  test("a name already taken is refused (exit 2, nothing written) unless --force", async () => {
    const first = (await sb.run(["apikey", "add", "--name", "team", "--json"])).json();
    const before = await Bun.file(sb.config).text();
    for (const name of ["team", "TEAM"]) {
      const r = await sb.run(["apikey", "add", "--name", name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: a gateway key named "team" already exists (${first.id}); choose another --name, or add --force to add one more\n`);
      expect(r.stdout).toBe("");
    }
    expect(await Bun.file(sb.config).text()).toBe(before);
    expect((await sb.run(["apikey", "add", "--name", "team", "--force"])).code).toBe(0);
    expect((await sb.run(["apikey", "list", "--json"])).json()).toHaveLength(2);
    expect((await sb.run(["apikey", "show", "team"])).stderr).toContain('2 gateway keys are named "team"; use the id');
  });

  test("an unknown id is an error naming it (exit 1), for every verb", async () => {
    for (const verb of ["show", "remove", "enable", "disable"]) {
      const r = await sb.run(["apikey", verb, "key_nope"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: no gateway key with id "key_nope"\n');
    }
  });

  test("an expired key lists as expired", async () => {
    const store = new ConfigStore(sb.config, sb.env);
    const k = (await sb.run(["apikey", "add", "--name", "old", "--json"])).json();
    store.update((c) => void (c.gateway_keys[0]!.expires_at = new Date(Date.now() - 1000).toISOString()));
    expect((await sb.run(["apikey", "show", k.id])).stdout).toMatch(/status:\s+expired/);
  });
});

describe("apikey limits and spend", () => {
  test("add takes budgets, a token rate and allowed models; the file holds them as config fields", async () => {
    const k = (await sb.run(["apikey", "add", "--name", "intern", "--budget-usd", "50/month", "--budget-usd", "$5.5/day", "--tpm", "20000", "--rpm", "60", "--models", "claude-*, gpt-4o,claude-*", "--json"])).json();
    expect(k).toMatchObject({ budget_usd_monthly: 50, budget_usd_daily: 5.5, rate_limit_tpm: 20000, rate_limit_rpm: 60, allowed_models: ["claude-*", "gpt-4o"] });
    const stored = new ConfigStore(sb.config, sb.env).read().gateway_keys[0]!;
    expect(stored).toMatchObject({ budget_usd_monthly: 50, budget_usd_daily: 5.5, rate_limit_tpm: 20000, allowed_models: ["claude-*", "gpt-4o"] });
    const list = (await sb.run(["apikey", "list"])).stdout;
    expect(list).toMatch(/\s20000\s+\$50\.00\/month, \$5\.50\/day\s+-\s/);
  });

  test("update changes only what is given; none/PERIOD, 0 and '' remove a limit", async () => {
    const k = (await sb.run(["apikey", "add", "--name", "team", "--budget-usd", "50/month", "--budget-usd", "5/day", "--tpm", "100", "--rpm", "10", "--models", "gpt-*", "--json"])).json();
    const u = await sb.run(["apikey", "update", "team", "--budget-usd", "none/day", "--budget-usd", "80/month", "--json"]);
    expect(u.code).toBe(0);
    expect(u.json()).toMatchObject({ id: k.id, budget_usd_monthly: 80, rate_limit_tpm: 100, rate_limit_rpm: 10, allowed_models: ["gpt-*"] });
    expect(u.json()).not.toHaveProperty("budget_usd_daily");
    const cleared = (await sb.run(["apikey", "update", k.id, "--tpm", "0", "--rpm", "0", "--models", "", "--json"])).json();
    for (const field of ["rate_limit_tpm", "rate_limit_rpm", "allowed_models", "budget_usd_daily"]) expect(cleared).not.toHaveProperty(field);
    const renamed = await sb.run(["apikey", "update", k.id, "--name", "team-b", "--permissions", "read"]);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toContain(`Updated gateway key ${k.id}`);
    expect(renamed.stdout).toMatch(/budget \(month\):\s+\$80\.00/);
    const stored = new ConfigStore(sb.config, sb.env).read().gateway_keys[0]!;
    expect(stored).toMatchObject({ name: "team-b", permissions: ["read"], budget_usd_monthly: 80 });
    expect(stored.key_prefix).toBe(k.key_prefix);
  });

  test("bad values exit 2 naming the option; nothing to change, a taken name, an unknown key are refused", async () => {
    await sb.run(["apikey", "add", "--name", "a"]);
    await sb.run(["apikey", "add", "--name", "b"]);
    const before = await Bun.file(sb.config).text();
    const cases: [string[], number, RegExp][] = [
      [["apikey", "update", "a", "--budget-usd", "50"], 2, /^error: --budget-usd expects AMOUNT\/day or AMOUNT\/month/],
      [["apikey", "update", "a", "--budget-usd", "50/week"], 2, /^error: --budget-usd expects AMOUNT\/day or AMOUNT\/month/],
      [["apikey", "update", "a", "--budget-usd", "fifty/month"], 2, /^error: --budget-usd expects an amount in US dollars/],
      [["apikey", "update", "a", "--budget-usd", "0/month"], 2, /^error: --budget-usd must be more than 0 \(none\/month removes the limit\)/],
      [["apikey", "update", "a", "--budget-usd", "-5/month"], 2, /^error: --budget-usd/],
      [["apikey", "update", "a", "--budget-usd", "5/month", "--budget-usd", "6/monthly"], 2, /^error: --budget-usd gives the month limit twice$/],
      [["apikey", "update", "a", "--tpm", "lots"], 2, /^error: --tpm expects an integer/],
      [["apikey", "update", "a", "--tpm", "-1"], 2, /^error: --tpm must be at least 0/],
      [["apikey", "update", "a", "--models", "a*b"], 2, /^error: --models: model pattern "a\*b"/],
      [["apikey", "update", "a", "--permissions", "root"], 2, /^error: unknown permission "root"/],
      [["apikey", "update", "a"], 2, /^error: nothing to change/],
      [["apikey", "update", "a", "--name", "B"], 2, /already exists/],
      [["apikey", "update", "nope", "--tpm", "5"], 1, /^error: no gateway key with id "nope"$/],
      [["apikey", "add", "--name", "c", "--budget-usd", "1/year"], 2, /^error: --budget-usd expects/],
      [["apikey", "add", "--name", "c", "--models", "*x"], 2, /^error: --models: model pattern/],
    ];
    for (const [args, code, message] of cases) {
      const r = await sb.run(args);
      expect([args, r.code]).toEqual([args, code]);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
    expect(await Bun.file(sb.config).text()).toBe(before);
  });

  test("show gives today's, this month's and all usage, and what is left of each budget; list this month's spend", async () => {
    const k = (await sb.run(["apikey", "add", "--name", "team", "--budget-usd", "10/day", "--budget-usd", "100/month", "--json"])).json();
    const other = (await sb.run(["apikey", "add", "--name", "other", "--json"])).json();
    const none = (await sb.run(["apikey", "show", "team", "--json"])).json();
    expect(none.usage).toMatchObject({ recorded: false, today: { requests: 0 }, daily: { limitUsd: 10, spentUsd: 0, leftUsd: 10 } });
    expect((await sb.run(["apikey", "show", "team"])).stdout).toMatch(/usage:\s+none recorded yet/);

    const { day, today } = todayTimes();
    await fillLedger(sb, [
      usageRow({ time: today, keyId: k.id, costUsd: 4 }),
      usageRow({ time: today, keyId: k.id, costUsd: null, modelServed: "mystery" }),
      usageRow({ time: day - 40 * DAY_MS, keyId: k.id, costUsd: 1000 }),
      usageRow({ time: today, keyId: other.id, costUsd: 0.5 }),
    ]);
    // A row earlier this month, unless today is the 1st.
    const monthStart = Date.UTC(new Date(day).getUTCFullYear(), new Date(day).getUTCMonth(), 1);
    if (day > monthStart) await fillLedger(sb, [usageRow({ time: monthStart + HOUR_MS, keyId: k.id, costUsd: 6 })]);
    const month = day > monthStart ? 10 : 4;

    const show = (await sb.run(["apikey", "show", "team", "--json"])).json();
    expect(show.usage).toMatchObject({
      recorded: true,
      today: { requests: 2, costUsd: 4, unknownCostRequests: 1 },
      month: { costUsd: month },
      allTime: { costUsd: month + 1000 },
      daily: { limitUsd: 10, spentUsd: 4, leftUsd: 6, unpricedRequests: 1, resetsAt: new Date(day + DAY_MS).toISOString().replace(".000Z", "Z") },
      monthly: { limitUsd: 100, spentUsd: month, leftUsd: 100 - month },
    });
    const text = (await sb.run(["apikey", "show", "team"])).stdout;
    expect(text).toMatch(/budget \(day\):\s+\$10\.00: spent \$4\.00, \$6\.00 left; resets \S+; 1 request without a known cost not counted/);
    expect(text).toMatch(/usage today:\s+2 requests, 2,000 tokens in, 400 out, \$4\.00 \+ 1 without a known cost/);
    expect(text).toMatch(/usage all time:\s+.*\(since \d{4}-\d\d-\d\d\)/);

    await sb.run(["apikey", "update", "team", "--budget-usd", "3/day"]);
    expect((await sb.run(["apikey", "show", "team"])).stdout).toMatch(/budget \(day\):\s+\$3\.00: spent \$4\.00, none left \(over\)/);

    const list = await sb.run(["apikey", "list", "--json"]);
    expect(list.json().map((x: { name: string; usageThisMonth: { costUsd: number | null } }) => [x.name, x.usageThisMonth.costUsd])).toEqual([["team", month], ["other", 0.5]]);
    const lines = (await sb.run(["apikey", "list"])).stdout.split("\n");
    expect(lines.find((l) => l.includes(" team "))).toContain(`$${month.toFixed(2)} +1 unpriced`);
    expect(lines.find((l) => l.includes(" other "))).toContain("$0.50");
  });
});
