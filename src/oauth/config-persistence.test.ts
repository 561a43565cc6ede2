import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { ConfigStore } from "../config/store.ts";
import { createConfigTokenPersistence, type TokenConfigStore } from "./config-persistence.ts";

let dir: string;
let store: ConfigStore;
const env = { LLM_GATEWAY_MASTER_KEY: "7".repeat(64) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lgw-oauth-persist-"));
  store = new ConfigStore(join(dir, "config.yaml"), env);
  store.update((c) => {
    c.upstream_accounts.push({
      id: "up_1",
      name: "claude",
      type: "oauth",
      provider: "anthropic",
      weight: 1,
      priority: 0,
      status: "active",
      created_at: new Date(0).toISOString(),
      oauth: { token_url: "http://127.0.0.1:1/t", needs_reauth: true },
    });
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T1 = { accessToken: "access-one-secret", refreshToken: "refresh-one-secret", expiresAt: Date.UTC(2030, 0, 1) };
const T2 = { accessToken: "access-two-secret", refreshToken: "refresh-two-secret", expiresAt: Date.UTC(2030, 0, 2) };

describe("config token persistence", () => {
  test("save seals the tokens, stores the expiry, clears needs_reauth and keeps the account's settings", async () => {
    const p = createConfigTokenPersistence({ store });
    expect(await p.load("up_1")).toBeUndefined();
    await p.save("up_1", T1);
    const text = readFileSync(store.path, "utf8");
    expect(text).not.toContain("secret");
    const o = store.read().upstream_accounts[0]!.oauth!;
    expect(o.access_token).toStartWith("enc:v1:");
    expect(o.refresh_token).toStartWith("enc:v1:");
    expect(o.expires_at).toBe("2030-01-01T00:00:00.000Z");
    expect(o.needs_reauth).toBeUndefined();
    expect(o.token_url).toBe("http://127.0.0.1:1/t");
    expect(await p.load("up_1")).toEqual(T1);
  });

  test("markNeedsReauth sets the flag and keeps the tokens", async () => {
    const p = createConfigTokenPersistence({ store });
    await p.save("up_1", T1);
    await p.markNeedsReauth("up_1", "invalid_grant");
    const o = store.read().upstream_accounts[0]!.oauth!;
    expect(o.needs_reauth).toBe(true);
    expect(o.access_token).toStartWith("enc:v1:");
    expect(await p.load("up_1")).toEqual(T1);
  });

  test("decrypts once per ciphertext", async () => {
    await createConfigTokenPersistence({ store }).save("up_1", T1);
    let decrypts = 0;
    const counting: TokenConfigStore = {
      read: () => store.read(),
      update: (m) => store.update(m),
      get cipher() {
        return {
          encrypt: (s: string) => store.cipher.encrypt(s),
          decrypt: (s: string, w: string) => {
            decrypts++;
            return store.cipher.decrypt(s, w);
          },
        };
      },
    };
    const config = store.read();
    const p = createConfigTokenPersistence({ store: counting, config: () => config });
    for (let i = 0; i < 100; i++) await p.load("up_1");
    expect(decrypts).toBe(2); // access + refresh, once
  });

  test("a live config that has not reloaded yet never hands back the spent tokens a save replaced", async () => {
    await createConfigTokenPersistence({ store }).save("up_1", T1);
    let live: Config = store.read();
    const p = createConfigTokenPersistence({ store, config: () => live });
    expect(await p.load("up_1")).toEqual(T1);
    await p.save("up_1", T2);
    // The server's watcher has not seen the write yet.
    expect(await p.load("up_1")).toEqual(T2);
    const T3 = { ...T2, accessToken: "access-three-secret", refreshToken: "refresh-three-secret" };
    await p.save("up_1", T3);
    expect(await p.load("up_1")).toEqual(T3);
    // Reloaded: the file's tokens, the same ones.
    live = store.read();
    expect(await p.load("up_1")).toEqual(T3);
    // A new login written by another process wins once the config shows it.
    const T4 = { accessToken: "access-four-secret", refreshToken: "refresh-four-secret", expiresAt: Date.UTC(2031, 0, 1) };
    await createConfigTokenPersistence({ store }).save("up_1", T4);
    live = store.read();
    expect(await p.load("up_1")).toEqual(T4);
  });

  test("tokens without a refresh token drop the stored one; an unknown account is a config error", async () => {
    const p = createConfigTokenPersistence({ store });
    await p.save("up_1", T1);
    await p.save("up_1", { accessToken: "long-lived-secret", expiresAt: Date.UTC(2031, 0, 1) });
    expect(store.read().upstream_accounts[0]!.oauth!.refresh_token).toBeUndefined();
    expect((await p.load("up_1"))!.refreshToken).toBeUndefined();
    await expect(p.load("up_nope")).rejects.toThrow('no upstream account with id "up_nope"');
  });
});
