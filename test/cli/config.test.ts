import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { masterKeyPath } from "../../src/config/paths.ts";
import { createCipher } from "../../src/config/secrets.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { runtimeConfig } from "../../src/runtime/runtime-config.ts";
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
      expect(r.stderr).toContain("upstream_accounts[0].provider: expected one of anthropic, openai, azure, gemini, vertex, openai-compatible, mock");
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

describe("unknown keys at any depth", () => {
  const TYPOS = `server:
  prot: 8080
proxy:
  total_timeot: 30
routing:
  stratgy: priority
  sticky:
    enabeld: false
upstream_accounts:
  - id: up_1
    name: x
    provider: mock
    created_at: now
    wieght: 3
surver:
  port: 1
`;

  test("are errors naming the path, with the key that was probably meant", async () => {
    writeFileSync(sb.config, TYPOS);
    for (const args of [["config", "validate"], ["apikey", "list"]]) {
      const r = await sb.run(args);
      expect(r.code).toBe(1);
      for (const line of [
        'server.prot: unknown key (did you mean "port"?)',
        'proxy.total_timeot: unknown key (did you mean "total_timeout"?)',
        'routing.stratgy: unknown key (did you mean "strategy"?)',
        'routing.sticky.enabeld: unknown key (did you mean "enabled"?)',
        'upstream_accounts[0].wieght: unknown key (did you mean "weight"?)',
        'surver: unknown key (did you mean "server"?)',
      ]) {
        expect(r.stderr).toContain(line);
      }
    }
    expect(await Bun.file(sb.config).text()).toBe(TYPOS);
  });

  test("nothing close: the keys that exist are listed", async () => {
    writeFileSync(sb.config, "logging:\n  colour: true\n");
    expect((await sb.run(["config", "validate"])).stderr).toContain("logging.colour: unknown key (expected one of level, format)");
  });
});

describe("an empty file", () => {
  for (const [what, text] of [["emptied (echo > config.yaml)", "\n"], ["zero bytes", ""], ["comments only", "# all gone\n"]] as const) {
    test(`${what}: validate says it is empty; commands refuse it and leave it alone`, async () => {
      writeFileSync(sb.config, text);
      const v = await sb.run(["config", "validate"]);
      expect(v.code).toBe(1);
      expect(v.stderr).toContain(`${sb.config} is empty`);
      const add = await sb.run(["apikey", "add", "--name", "k"]);
      expect(add.code).toBe(1);
      expect(add.stderr).toContain("is empty");
      expect(await Bun.file(sb.config).text()).toBe(text);
    });
  }
});

describe("the master key", () => {
  const noEnvKey = { LLM_GATEWAY_MASTER_KEY: undefined };

  test("a missing master.key is named, and no new key is made beside encrypted values", async () => {
    expect((await sb.run(["upstream", "add", "--provider", "openai", "--name", "oa", "--key", "sk-0123456789-secret"], { env: noEnvKey })).code).toBe(0);
    const keyFile = masterKeyPath(sb.config);
    expect(existsSync(keyFile)).toBe(true);
    rmSync(keyFile);
    for (const args of [["upstream", "list"], ["config", "show"], ["upstream", "add", "--provider", "openai", "--name", "oa2", "--key", "sk-9876543210-other"]]) {
      const r = await sb.run(args, { env: noEnvKey });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain(`the master key file ${keyFile} is missing`);
      expect(r.stderr).toContain("LLM_GATEWAY_MASTER_KEY");
      expect(r.stderr).not.toContain("wrong master key");
      expect(existsSync(keyFile)).toBe(false);
    }
    // Commands that touch no secret still work.
    expect((await sb.run(["apikey", "add", "--name", "k"], { env: noEnvKey })).code).toBe(0);
    expect(existsSync(keyFile)).toBe(false);
  });

  test("a passphrase: values sealed through scrypt (enc:v2); values sealed under the old SHA-256 derivation still open", async () => {
    const passphrase = { LLM_GATEWAY_MASTER_KEY: "a long passphrase, not 32 bytes" };
    await sb.run(["upstream", "add", "--provider", "openai", "--name", "new", "--key", "sk-new-0123456789"], { env: passphrase });
    const file = await Bun.file(sb.config).text();
    expect(file).toMatch(/api_key: enc:v2:/);
    const old = createCipher(createHash("sha256").update(passphrase.LLM_GATEWAY_MASTER_KEY).digest()).encrypt("sk-old-0123456789");
    writeFileSync(sb.config, file.replace(/(\n  - id: [^\n]+\n    name: new\n)/, `\n  - id: up_old\n    name: old\n    type: api-key\n    provider: openai\n    api_key: ${old}\n    weight: 1\n    priority: 0\n    status: active\n    created_at: now$1`));
    const list = await sb.run(["upstream", "list", "--json"], { env: passphrase });
    expect(list.code).toBe(0);
    expect(list.json().map((a: { name: string; api_key: string }) => [a.name, a.api_key])).toEqual([["old", "sk-old…6789"], ["new", "sk-new…6789"]]);
    const wrong = await sb.run(["upstream", "list"], { env: { LLM_GATEWAY_MASTER_KEY: "not the passphrase" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong master key (the passphrase in LLM_GATEWAY_MASTER_KEY is not the one it was sealed with)");
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

describe("the usage database URL", () => {
  test("a password in usage.database_url is sealed by the next write, masked when shown, opened for the server", async () => {
    await sb.run(["apikey", "list"]);
    const doc = YAML.parse(await Bun.file(sb.config).text());
    doc.usage = { database_url: "postgres://gw:db-secret-42@db.internal:5432/usage?sslmode=require" };
    writeFileSync(sb.config, YAML.stringify(doc));
    const validate = await sb.run(["config", "validate"]);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toBe("warning: usage.database_url holds credentials in plain text; the next change through the CLI encrypts them\n");

    expect((await sb.run(["apikey", "add", "--name", "k"])).code).toBe(0);
    const file = await Bun.file(sb.config).text();
    expect(file).not.toContain("db-secret-42");
    const store = new ConfigStore(sb.config, sb.env);
    const stored = store.read().usage.database_url;
    expect(stored).toMatch(/^enc:v1:/);
    expect(runtimeConfig(store, store.read()).usage.database_url).toBe("postgres://gw:db-secret-42@db.internal:5432/usage?sslmode=require");
    expect((await sb.run(["config", "validate"])).stderr).toBe("");

    for (const args of [["config", "show"], ["config", "show", "--json"]]) {
      const out = (await sb.run(args)).stdout;
      expect(out).not.toContain("db-secret-42");
      expect(out).not.toContain("enc:v1:");
      expect(out).toContain("postgres://gw:****@db.internal:5432/usage?sslmode=require");
    }
  });

  test("a password given as a query parameter is sealed too; a URL without credentials stays readable", async () => {
    await sb.run(["apikey", "list"]);
    const doc = YAML.parse(await Bun.file(sb.config).text());
    doc.usage = { database_url: "postgresql://db.internal/usage?user=gw&password=q-secret-7" };
    writeFileSync(sb.config, YAML.stringify(doc));
    await sb.run(["apikey", "add", "--name", "k"]);
    expect(await Bun.file(sb.config).text()).not.toContain("q-secret-7");
    const shown = YAML.parse((await sb.run(["config", "show"])).stdout).usage.database_url;
    expect(shown).toBe("postgresql://db.internal/usage?user=gw&password=****");

    const plain = YAML.parse(await Bun.file(sb.config).text());
    plain.usage = { database_url: "postgres://db.internal/usage" };
    writeFileSync(sb.config, YAML.stringify(plain));
    await sb.run(["apikey", "add", "--name", "k2"]);
    expect(new ConfigStore(sb.config, sb.env).read().usage.database_url).toBe("postgres://db.internal/usage");
  });
});
