import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { masterKeyPath } from "./paths.ts";
import { createCipher, generateGatewayKey, hashesEqual, hashKey, isSealed, loadMasterKey, maskSecret, sealedSalt } from "./secrets.ts";
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

  test("no master key is made beside a config that holds sealed values: the missing file is named", () => {
    const config = join(dir, "config.yaml");
    expect(() => loadMasterKey(config, {}, () => true)).toThrow(
      `the master key file ${masterKeyPath(config)} is missing, and ${config} holds encrypted values`,
    );
    expect(existsSync(masterKeyPath(config))).toBe(false);
  });

  test("a passphrase goes through scrypt with a salt (enc:v2); one cipher keeps one salt", () => {
    const pass = loadMasterKey(join(dir, "c.yaml"), { LLM_GATEWAY_MASTER_KEY: "correct horse battery staple" });
    expect(pass.kind).toBe("passphrase");
    const c = createCipher(pass);
    const a = c.encrypt("sk-one");
    const b = c.encrypt("sk-two");
    expect(a).toMatch(/^enc:v2:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(sealedSalt(a)).toBe(sealedSalt(b));
    expect(c.decrypt(a, "x")).toBe("sk-one");
    // A fresh cipher (another process) opens it, and seals new values with the salt it is given.
    const other = createCipher(pass, { salt: sealedSalt(a) });
    expect(other.decrypt(b, "x")).toBe("sk-two");
    expect(sealedSalt(other.encrypt("sk-three"))).toBe(sealedSalt(a));
    // Not the old single SHA-256: that key does not open it.
    const sha = createHash("sha256").update("correct horse battery staple").digest();
    expect(() => createCipher(sha).decrypt(a, "x")).toThrow(/wrong master key/);
    expect(() => createCipher(loadMasterKey(join(dir, "c.yaml"), { LLM_GATEWAY_MASTER_KEY: "another passphrase" })).decrypt(a, "x")).toThrow(/wrong master key/);
  });

  test("values sealed under the old passphrase derivation (one SHA-256, enc:v1) stay readable", () => {
    const sha = createHash("sha256").update("old passphrase").digest();
    const old = createCipher(sha).encrypt("sk-sealed-long-ago");
    expect(old.startsWith("enc:v1:")).toBe(true);
    const now = createCipher(loadMasterKey(join(dir, "c.yaml"), { LLM_GATEWAY_MASTER_KEY: "old passphrase" }));
    expect(now.decrypt(old, "x")).toBe("sk-sealed-long-ago");
  });

  test("a value from a newer version says so", () => {
    expect(() => createCipher(Buffer.alloc(32)).decrypt("enc:v9:abc:def", "f")).toThrow(/sealed by a newer llm-gateway \(enc:v9:…\)/);
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
