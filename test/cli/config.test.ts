import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { sandbox, type Sandbox } from "./cli-harness.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

const BAD = `server:
  port: 99999
upstream_accounts:
  - id: a
    name: x
    provider: nope
    created_at: now
`;

describe("config location", () => {
  test("config path: --config beats LLM_GATEWAY_CONFIG, which beats the home default", async () => {
    expect((await sb.run(["config", "path"])).stdout).toBe(`${sb.config}\n`);
    const other = join(sb.dir, "other", "c.yaml");
    expect((await sb.run(["config", "path", "--config", other])).stdout).toBe(`${other}\n`);
    expect((await sb.run(["config", "path"], { env: { LLM_GATEWAY_CONFIG: undefined } })).stdout).toBe(`${join(sb.dir, ".llm-gateway", "config.yaml")}\n`);
    expect(existsSync(sb.config)).toBe(false);
  });

  test("the first command creates the file with defaults (folder 0700, file 0600), at --config's path", async () => {
    const path = join(sb.dir, "nested", "gw.yaml");
    const r = await sb.run(["apikey", "list", "--config", path, "--json"]);
    expect(r.code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.dir, "nested")).mode & 0o777).toBe(0o700);
    expect(YAML.parse(await Bun.file(path).text()).server.port).toBe(3847);
    expect(existsSync(sb.config)).toBe(false);
  });
});

describe("a bad file", () => {
  beforeEach(() => {
    mkdirSync(sb.dir, { recursive: true });
    writeFileSync(sb.config, BAD);
  });

  test("every command rejects it with every error and its path, exit 1, and leaves it unchanged", async () => {
    for (const args of [["apikey", "list"], ["apikey", "add", "--name", "x"], ["upstream", "add", "--provider", "mock", "--name", "m"], ["route", "add", "--from", "a", "--to", "b"], ["env", "set", "--no-proxy", "x"], ["status"], ["config", "show"], ["config", "validate"]]) {
      const r = await sb.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain(`invalid configuration in ${sb.config}`);
      expect(r.stderr).toContain("server.port");
      expect(r.stderr).toContain("upstream_accounts[0].provider: expected one of anthropic, openai, azure, gemini, openai-compatible, mock");
      expect(r.stdout).toBe("");
    }
    expect(await Bun.file(sb.config).text()).toBe(BAD);
  });

  test("invalid YAML is reported as such", async () => {
    writeFileSync(sb.config, "server: [unclosed\n");
    const r = await sb.run(["config", "validate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not valid YAML");
  });
});

describe("config validate", () => {
  test("a good file exits 0", async () => {
    await sb.run(["apikey", "add", "--name", "k"]);
    const r = await sb.run(["config", "validate"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${sb.config} is valid`);
  });

  test("--file checks another file and never creates one", async () => {
    const other = join(sb.dir, "candidate.yaml");
    const missing = await sb.run(["config", "validate", "--file", other]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
    expect(existsSync(other)).toBe(false);
    writeFileSync(other, BAD);
    const r = await sb.run(["config", "validate", "--file", other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("server.port");
    expect(r.stderr).toContain("upstream_accounts[0].provider");
    expect(existsSync(sb.config)).toBe(false);
  });

  test("flags a hand-pasted plaintext key", async () => {
    writeFileSync(sb.config, "upstream_accounts:\n  - id: up_1\n    name: x\n    provider: openai\n    api_key: sk-plain\n    created_at: now\n");
    const r = await sb.run(["config", "validate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("upstream_accounts[0].api_key: stored in plain text");
    expect(r.stderr).not.toContain("sk-plain");
  });
});

describe("config show", () => {
  test("prints the YAML with defaults and no secrets; --json is one document", async () => {
    const key = (await sb.run(["apikey", "add", "--name", "k", "--json"])).json();
    await sb.run(["upstream", "add", "--provider", "openai", "--name", "oa", "--key", "sk-0123456789-secret"]);
    const yaml = await sb.run(["config", "show"]);
    expect(yaml.code).toBe(0);
    const parsed = YAML.parse(yaml.stdout);
    expect(parsed.server.port).toBe(3847);
    expect(parsed.upstream_accounts[0].api_key).toBe("sk-012…cret");
    expect(parsed.gateway_keys[0]).not.toHaveProperty("key_hash");
    const json = (await sb.run(["config", "show", "--json"])).json();
    expect(json).toEqual(parsed);
    for (const out of [yaml.stdout, JSON.stringify(json)]) {
      expect(out).not.toContain(key.key);
      expect(out).not.toContain("sk-0123456789-secret");
      expect(out).not.toContain("enc:v1:");
    }
  });
});
