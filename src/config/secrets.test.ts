import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { masterKeyPath } from "./paths.ts";
import { createCipher, generateGatewayKey, hashesEqual, hashKey, isSealed, loadMasterKey, maskSecret } from "./secrets.ts";
import { ConfigStore } from "./store.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lgw-secrets-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("secrets", () => {
  test("encrypts with AES-256-GCM and decrypts back; each seal differs", () => {
    const c = createCipher(Buffer.alloc(32, 7));
    const a = c.encrypt("sk-ant-secret-value");
    const b = c.encrypt("sk-ant-secret-value");
    expect(isSealed(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret");
    expect(c.decrypt(a, "x")).toBe("sk-ant-secret-value");
  });

  test("a wrong master key gives a clear error without the secret", () => {
    const sealed = createCipher(Buffer.alloc(32, 1)).encrypt("sk-very-secret");
    const wrong = createCipher(Buffer.alloc(32, 2));
    expect(() => wrong.decrypt(sealed, "upstream_accounts[prod].api_key")).toThrow(ConfigError);
    try {
      wrong.decrypt(sealed, "upstream_accounts[prod].api_key");
    } catch (e) {
      expect((e as Error).message).toContain("wrong master key");
      expect((e as Error).message).toContain("upstream_accounts[prod].api_key");
      expect((e as Error).message).not.toContain("sk-very-secret");
    }
  });

  test("plaintext in a secret field is refused", () => {
    expect(() => createCipher(Buffer.alloc(32)).decrypt("sk-plain", "f")).toThrow(/not encrypted/);
  });

  test("the master key is generated once into a 0600 file beside the config", () => {
    const config = join(dir, "config.yaml");
    const k1 = loadMasterKey(config, {});
    const k2 = loadMasterKey(config, {});
    expect(k1.kind === "bytes" && k2.kind === "bytes" && k1.key.equals(k2.key)).toBe(true);
    expect(statSync(masterKeyPath(config)).mode & 0o777).toBe(0o600);
    const fromEnv = loadMasterKey(config, { LLM_GATEWAY_MASTER_KEY: "f".repeat(64) });
    expect(fromEnv.kind === "bytes" && fromEnv.key.toString("hex")).toBe("f".repeat(64));
  });

  test("the config file never holds the plaintext of a sealed secret", () => {
    const path = join(dir, "config.yaml");
    const store = new ConfigStore(path, {});
    store.update((c) =>
      c.upstream_accounts.push({
        id: "up_1", name: "a", type: "api-key", provider: "anthropic", api_key: store.cipher.encrypt("sk-ant-api03-plaintext"),
        weight: 1, priority: 0, status: "active", created_at: new Date().toISOString(),
      }),
    );
    expect(readFileSync(path, "utf8")).not.toContain("sk-ant-api03-plaintext");
    expect(store.cipher.decrypt(store.read().upstream_accounts[0]!.api_key!, "x")).toBe("sk-ant-api03-plaintext");
  });

  test("gateway keys: lgw_ prefix, 32 random bytes, hashed with SHA-256, compared in constant time", () => {
    const k = generateGatewayKey();
    expect(k).toMatch(/^lgw_[A-Za-z0-9_-]{43}$/);
    expect(hashKey(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashesEqual(hashKey(k), hashKey(k))).toBe(true);
    expect(hashesEqual(hashKey(k), hashKey(`${k}x`))).toBe(false);
    expect(maskSecret("sk-ant-api03-abcdefghijkl")).toBe("sk-ant…ijkl");
  });
});
