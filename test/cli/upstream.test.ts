import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { sandbox, type Sandbox } from "./cli-harness.ts";
import { fillLedger, todayTimes, usageRow } from "./fixtures/usage-ledger.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

const SECRET = "sk-ant-api03-THIS-IS-A-SECRET-abcd";

describe("upstream", () => {
  test("add encrypts the key: the file never holds it, output shows it masked", async () => {
    const r = await sb.run([
      "upstream", "add", "--type", "api-key", "--provider", "anthropic", "--name", "prod", "--key", SECRET,
      "--models", "claude*, claude-3-opus", "--weight", "3", "--priority", "1", "--json",
    ]);
    expect(r.code).toBe(0);
    const added = r.json();
    expect(added.id).toMatch(/^up_[0-9a-f]{12}$/);
    expect(added).toMatchObject({ name: "prod", type: "api-key", provider: "anthropic", models: ["claude*", "claude-3-opus"], weight: 3, priority: 1, status: "active" });
    expect(added.api_key).toBe("sk-ant…abcd");

    const text = await Bun.file(sb.config).text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("THIS-IS-A-SECRET");
    const store = new ConfigStore(sb.config, sb.env);
    const stored = store.read().upstream_accounts[0]!;
    expect(stored.api_key).toStartWith("enc:v1:");
    expect(store.cipher.decrypt(stored.api_key!, "test")).toBe(SECRET);

    for (const args of [["upstream", "list"], ["upstream", "list", "--json"], ["upstream", "show", added.id], ["upstream", "show", added.id, "--json"], ["config", "show"], ["config", "show", "--json"]]) {
      const out = await sb.run(args);
      expect(out.code).toBe(0);
      expect(out.stdout).not.toContain(SECRET);
      expect(out.stdout).not.toContain("enc:v1:");
      expect(out.stdout).toContain("sk-ant…abcd");
    }
    expect((await sb.run(["upstream", "show", added.id, "--json"])).json().api_key).toBe("sk-ant…abcd");
  });

  test("--gemini-api: stored, shown by show and list; refused for other providers and other values", async () => {
    const compat = (await sb.run(["upstream", "add", "--provider", "gemini", "--name", "gc", "--key", "AIza-123456789012", "--gemini-api", "openai-compatible", "--json"])).json();
    expect(compat.gemini_api).toBe("openai-compatible");
    const native = (await sb.run(["upstream", "add", "--provider", "gemini", "--name", "gn", "--key", "AIza-123456789012", "--json"])).json();
    expect(native).not.toHaveProperty("gemini_api");
    expect((await sb.run(["upstream", "show", compat.id])).stdout).toMatch(/gemini api:\s+openai-compatible/);
    expect((await sb.run(["upstream", "show", native.id])).stdout).toMatch(/gemini api:\s+native/);
    const list = (await sb.run(["upstream", "list"])).stdout;
    expect(list).toContain("gemini (openai-compatible)");
    expect(list).toContain("gemini (native)");
    const other = await sb.run(["upstream", "add", "--provider", "openai", "--name", "o", "--key", "sk-1234567890", "--gemini-api", "native"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("--gemini-api applies to --provider gemini only");
    const bad = await sb.run(["upstream", "add", "--provider", "gemini", "--name", "g2", "--key", "AIza-123456789012", "--gemini-api", "rest"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("native or openai-compatible");
  });

  test("--provider vertex: the service account's JSON key sealed, shown as its email; project from the key; checks", async () => {
    const { writeFileSync } = await import("node:fs");
    const dir = dirname(sb.config); // removed with the sandbox
    const keyFile = join(dir, "key.json");
    const privateKey = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7\n-----END PRIVATE KEY-----\n";
    writeFileSync(keyFile, JSON.stringify({ type: "service_account", project_id: "proj-from-key", private_key: privateKey, client_email: "gw@proj-from-key.iam.gserviceaccount.com", token_uri: "https://oauth2.googleapis.com/token" }, null, 2));
    const added = (await sb.run(["upstream", "add", "--provider", "vertex", "--name", "vx", "--service-account", keyFile, "--region", "us-central1", "--json"])).json();
    expect(added).toMatchObject({ provider: "vertex", project: "proj-from-key", region: "us-central1", api_key: "service account gw@proj-from-key.iam.gserviceaccount.com" });
    const text = await Bun.file(sb.config).text();
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain("MIIBVQ");
    const store = new ConfigStore(sb.config, sb.env);
    expect(JSON.parse(store.cipher.decrypt(store.read().upstream_accounts[0]!.api_key!, "t")).private_key).toBe(privateKey);
    const show = (await sb.run(["upstream", "show", added.id])).stdout;
    expect(show).toMatch(/project:\s+proj-from-key/);
    expect(show).not.toContain("MIIBVQ");
    const other = (await sb.run(["upstream", "add", "--provider", "vertex", "--name", "vx2", "--service-account", keyFile, "--project", "explicit", "--json"])).json();
    expect(other).toMatchObject({ project: "explicit", region: "global" });

    writeFileSync(join(dir, "bad.json"), JSON.stringify({ type: "authorized_user", client_id: "x" }));
    for (const [args, message] of [
      [["--service-account", join(dir, "bad.json")], '"type": "service_account"'],
      [["--service-account", join(dir, "missing.json")], "cannot read"],
      [["--key", "k"], "--service-account FILE"],
      [[], "--service-account"],
    ] as const) {
      const r = await sb.run(["upstream", "add", "--provider", "vertex", "--name", "bad", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const notVertex = await sb.run(["upstream", "add", "--provider", "gemini", "--name", "g", "--key", "AIza-123456789012", "--region", "us-central1"]);
    expect(notVertex.code).toBe(2);
    expect(notVertex.stderr).toContain("--region applies to --provider vertex only");
  });

  test("--key - reads the key from stdin", async () => {
    const r = await sb.run(["upstream", "add", "--provider", "openai", "--name", "oa", "--key", "-", "--json"], { stdin: "sk-from-stdin-123456789\n" });
    expect(r.code).toBe(0);
    const store = new ConfigStore(sb.config, sb.env);
    expect(store.cipher.decrypt(store.read().upstream_accounts[0]!.api_key!, "t")).toBe("sk-from-stdin-123456789");
  });

  test("google is gemini; mock and openai-compatible need no key; azure takes --api-version", async () => {
    const g = (await sb.run(["upstream", "add", "--provider", "google", "--name", "g", "--key", "AIza-123456789012", "--json"])).json();
    expect(g.provider).toBe("gemini");
    const m = (await sb.run(["upstream", "add", "--type", "api-key", "--provider", "mock", "--name", "m", "--json"])).json();
    expect(m).not.toHaveProperty("api_key");
    const local = (await sb.run(["upstream", "add", "--provider", "openai-compatible", "--name", "local", "--base-url", "http://127.0.0.1:11434/v1", "--json"])).json();
    expect(local.base_url).toBe("http://127.0.0.1:11434/v1");
    const az = (await sb.run(["upstream", "add", "--provider", "azure", "--name", "az", "--key", "azure-key-123456", "--base-url", "https://r.openai.azure.com", "--api-version", "2024-10-21", "--json"])).json();
    expect(az.api_version).toBe("2024-10-21");
    const list = (await sb.run(["upstream", "list", "--json"])).json();
    expect(list.map((a: { provider: string }) => a.provider)).toEqual(["gemini", "mock", "openai-compatible", "azure"]);
    const human = (await sb.run(["upstream", "list"])).stdout;
    expect(human).toMatch(/^ID\s+NAME\s+PROVIDER/);
    expect(human).not.toContain("azure-key-123456");
  });

  test("disable, enable, remove; unknown id → exit 1", async () => {
    const a = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "m", "--json"])).json();
    await sb.run(["upstream", "disable", a.id]);
    expect((await sb.run(["upstream", "show", a.id, "--json"])).json().status).toBe("disabled");
    await sb.run(["upstream", "enable", a.id]);
    expect((await sb.run(["upstream", "show", a.id, "--json"])).json().status).toBe("active");
    expect((await sb.run(["upstream", "remove", a.id])).code).toBe(0);
    expect((await sb.run(["upstream", "list", "--json"])).json()).toEqual([]);
    const r = await sb.run(["upstream", "show", a.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no upstream account with id "${a.id}"`);
  });

  test("a name already taken is refused (exit 2, nothing written) unless --force; OAuth accounts too", async () => {
    const first = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "prod", "--json"])).json();
    const before = await Bun.file(sb.config).text();
    for (const args of [
      ["upstream", "add", "--provider", "openai", "--name", "Prod", "--key", "sk-0123456789abc"],
      ["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "prod"],
    ]) {
      const r = await sb.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toBe(`error: an upstream account named "prod" already exists (${first.id}); choose another --name, or add --force to add one more\n`);
    }
    expect(await Bun.file(sb.config).text()).toBe(before);
    expect((await sb.run(["upstream", "add", "--provider", "mock", "--name", "prod", "--force"])).code).toBe(0);
    expect((await sb.run(["upstream", "list", "--json"])).json()).toHaveLength(2);
  });

  test("a wrong master key gives a clear error (exit 1) and no secret", async () => {
    await sb.run(["upstream", "add", "--provider", "openai", "--name", "oa", "--key", "sk-secret-value-0001"]);
    for (const args of [["upstream", "list"], ["upstream", "show", "oa"], ["config", "show"]]) {
      const r = await sb.run(args, { env: { LLM_GATEWAY_MASTER_KEY: "cd".repeat(32) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot decrypt upstream account up_[0-9a-f]{12} api_key: wrong master key/);
      expect(r.stderr + r.stdout).not.toContain("sk-secret-value-0001");
    }
    // Nor is a second key sealed under the wrong master key (it could never be read back).
    const before = await Bun.file(sb.config).text();
    const add = await sb.run(["upstream", "add", "--provider", "openai", "--name", "oa2", "--key", "sk-other-0000000"], { env: { LLM_GATEWAY_MASTER_KEY: "cd".repeat(32) } });
    expect(add.code).toBe(1);
    expect(add.stderr).toContain("wrong master key");
    expect(await Bun.file(sb.config).text()).toBe(before);
  });

  test("without LLM_GATEWAY_MASTER_KEY a master.key is created beside the config", async () => {
    const env = { LLM_GATEWAY_MASTER_KEY: undefined };
    expect((await sb.run(["upstream", "add", "--provider", "openai", "--name", "oa", "--key", "sk-secret-value-0002"], { env })).code).toBe(0);
    expect(await Bun.file(`${sb.dir}/master.key`).exists()).toBe(true);
    const shown = await sb.run(["upstream", "show", "oa", "--json"], { env });
    expect(shown.json().api_key).toBe("sk-sec…0002");
  });
});

describe("upstream spend caps and update", () => {
  test("add takes spend caps; update changes caps, name, models, weight and priority, and only those", async () => {
    const a = (await sb.run(["upstream", "add", "--provider", "openai", "--name", "prod", "--key", SECRET, "--spend-cap-usd", "100/month", "--json"])).json();
    expect(a).toMatchObject({ spend_cap_usd_monthly: 100 });
    expect(a).not.toHaveProperty("spend_cap_usd_daily");
    const sealed = new ConfigStore(sb.config, sb.env).read().upstream_accounts[0]!.api_key;

    const u = await sb.run(["upstream", "update", "prod", "--spend-cap-usd", "10/day", "--spend-cap-usd", "none/month", "--weight", "4", "--priority", "-1", "--models", "gpt-4o,o3*", "--json"]);
    expect(u.code).toBe(0);
    expect(u.json()).toMatchObject({ id: a.id, spend_cap_usd_daily: 10, weight: 4, priority: -1, models: ["gpt-4o", "o3*"], api_key: "sk-ant…abcd" });
    expect(u.json()).not.toHaveProperty("spend_cap_usd_monthly");
    const text = await sb.run(["upstream", "update", a.id, "--name", "prod-2", "--models", ""]);
    expect(text.stdout).toContain(`Updated upstream account ${a.id}`);
    expect(text.stdout).toMatch(/spend cap \(day\):\s+\$10\.00/);
    expect(text.stdout).toMatch(/models:\s+\(provider default\)/);
    const stored = new ConfigStore(sb.config, sb.env).read().upstream_accounts[0]!;
    expect(stored).toMatchObject({ name: "prod-2", spend_cap_usd_daily: 10, weight: 4, priority: -1, provider: "openai", api_key: sealed });
    expect(stored).not.toHaveProperty("models");

    for (const [args, code, message] of [
      [["upstream", "update", a.id, "--spend-cap-usd", "100"], 2, /^error: --spend-cap-usd expects AMOUNT\/day or AMOUNT\/month/],
      [["upstream", "update", a.id, "--spend-cap-usd", "0/day"], 2, /^error: --spend-cap-usd must be more than 0/],
      [["upstream", "update", a.id, "--weight", "-2"], 2, /^error: --weight must be at least 0/],
      [["upstream", "update", a.id], 2, /^error: nothing to change/],
      [["upstream", "update", "nope", "--weight", "1"], 1, /^error: no upstream account with id "nope"$/],
      [["upstream", "add", "--provider", "mock", "--name", "m", "--spend-cap-usd", "5/fortnight"], 2, /^error: --spend-cap-usd expects/],
    ] as [string[], number, RegExp][]) {
      const r = await sb.run(args);
      expect([args, r.code]).toEqual([args, code]);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  });

  test("show gives usage and spend against the caps; list this month's spend", async () => {
    const a = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "m", "--spend-cap-usd", "2/day", "--json"])).json();
    const b = (await sb.run(["upstream", "add", "--provider", "mock", "--name", "n", "--json"])).json();
    const { today } = todayTimes();
    await fillLedger(sb, [usageRow({ time: today, accountId: a.id, costUsd: 0.75 }), usageRow({ time: today, accountId: a.id, costUsd: 0.5 })]);
    const show = await sb.run(["upstream", "show", "m", "--json"]);
    expect(show.code).toBe(0);
    expect(show.json().usage).toMatchObject({ today: { requests: 2, costUsd: 1.25 }, daily: { limitUsd: 2, spentUsd: 1.25, leftUsd: 0.75 }, monthly: null });
    const text = (await sb.run(["upstream", "show", "m"])).stdout;
    expect(text).toMatch(/spend cap \(day\):\s+\$2\.00: spent \$1\.25, \$0\.75 left/);
    expect(text).toMatch(/spend cap \(month\):\s+none/);
    expect(text).toMatch(/usage today:\s+2 requests/);
    const list = (await sb.run(["upstream", "list", "--json"])).json();
    expect(list.map((x: { id: string; usageThisMonth: { costUsd: number | null } }) => [x.id, x.usageThisMonth.costUsd])).toEqual([[a.id, 1.25], [b.id, null]]);
    const lines = (await sb.run(["upstream", "list"])).stdout.split("\n");
    expect(lines[0]).toContain("SPEND (MONTH)");
    expect(lines.find((l) => l.startsWith(a.id))).toContain("$1.25");
  });
});
