import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ConfigStore } from "../../src/config/store.ts";
import { sandbox, type Sandbox } from "./cli-harness.ts";

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
