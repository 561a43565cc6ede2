import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { ConfigStore } from "./store.ts";

let dir: string;
let path: string;
const env = { LLM_GATEWAY_MASTER_KEY: "a".repeat(64) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lgw-store-"));
  path = join(dir, "sub", "config.yaml");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = (i: number) => ({
  id: `key_${i}`,
  name: `k${i}`,
  key_hash: "0".repeat(64),
  key_prefix: "lgw_x",
  permissions: ["read" as const],
  status: "active" as const,
  created_at: new Date(0).toISOString(),
});

describe("ConfigStore", () => {
  test("creates the file with defaults, folder 0700 and file 0600", () => {
    const c = new ConfigStore(path, env).load();
    expect(c.server.port).toBe(3847);
    expect(c.server.host).toBe("0.0.0.0");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "sub")).mode & 0o777).toBe(0o700);
  });

  test("update is a read-modify-write that keeps the file valid and leaves no temp files", () => {
    const store = new ConfigStore(path, env);
    store.update((c) => c.gateway_keys.push(key(1)));
    store.update((c) => c.gateway_keys.push(key(2)));
    expect(store.read().gateway_keys.map((k) => k.id)).toEqual(["key_1", "key_2"]);
    expect(require("node:fs").readdirSync(join(dir, "sub")).filter((f: string) => f.endsWith(".tmp") || f.endsWith(".lock"))).toEqual([]);
  });

  test("an invalid mutation is rejected and the file is left as it was", () => {
    const store = new ConfigStore(path, env);
    store.load();
    const before = readFileSync(path, "utf8");
    expect(() => store.update((c) => ((c.server as { port: unknown }).port = "nope"))).toThrow(ConfigError);
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  test("a bad file is rejected with every error and its path; nothing is overwritten", () => {
    const bad = "server:\n  port: 99999\nupstream_accounts:\n  - id: a\n    name: x\n    provider: nope\n    created_at: now\n";
    require("node:fs").mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(path, bad);
    const store = new ConfigStore(path, env);
    let err: ConfigError | undefined;
    try {
      store.load();
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain("server.port");
    expect(err!.message).toContain("upstream_accounts[0].provider: expected one of anthropic, openai, azure, gemini, vertex, openai-compatible, mock");
    expect(() => store.update(() => {})).toThrow(ConfigError);
    expect(readFileSync(path, "utf8")).toBe(bad);
  });

  test("an existing empty file is an error, not the defaults; only a missing file is created", () => {
    require("node:fs").mkdirSync(join(dir, "sub"), { recursive: true });
    for (const text of ["", "\n", "  \n# only a comment\n"]) {
      writeFileSync(path, text);
      expect(() => new ConfigStore(path, env).load()).toThrow(`${path} is empty`);
      expect(() => new ConfigStore(path, env).update(() => {})).toThrow(`${path} is empty`);
      expect(readFileSync(path, "utf8")).toBe(text);
    }
  });

  test("invalid YAML is reported as such", () => {
    require("node:fs").mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(path, "server: [unclosed\n");
    expect(() => new ConfigStore(path, env).load()).toThrow(/not valid YAML/);
  });

  test("two processes adding 50 keys each at the same time leave 100 keys", async () => {
    new ConfigStore(path, env).load();
    const script = join(import.meta.dir, "__fixtures__", "add-keys.ts");
    const run = (tag: string) =>
      Bun.spawn(["bun", script, path, tag, "50"], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    const procs = [run("a"), run("b")];
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes).toEqual([0, 0]);
    const ids = new ConfigStore(path, env).read().gateway_keys.map((k) => k.id);
    expect(ids.length).toBe(100);
    expect(new Set(ids).size).toBe(100);
    expect(existsSync(`${path}.lock`)).toBe(false);
    // Two processes, each running 50 locked, fsynced read-modify-writes: seconds on a busy 2-core machine. The test is
    // about lost updates, not speed, so it gets room beyond the default 5 s.
  }, 30_000);

  test("watch delivers valid changes and reports invalid ones while keeping the last good config", async () => {
    const store = new ConfigStore(path, env);
    store.load();
    const seen: number[] = [];
    const errors: string[] = [];
    let wake: () => void = () => {};
    const next = () => new Promise<void>((r) => (wake = r));
    const stop = store.watch(
      (c) => {
        seen.push(c.gateway_keys.length);
        wake();
      },
      (e) => {
        errors.push(e.message);
        wake();
      },
      5,
    );
    try {
      let waiting = next();
      new ConfigStore(path, env).update((c) => c.gateway_keys.push(key(1)));
      await waiting;
      expect(seen).toEqual([1]);
      waiting = next();
      writeFileSync(path, "server:\n  port: -1\n");
      await waiting;
      expect(errors[0]).toContain("server.port");
    } finally {
      stop();
    }
  });
});
