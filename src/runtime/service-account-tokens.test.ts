import { describe, expect, test } from "bun:test";
import { testAccount } from "../../test/support/test-app.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { createServiceAccountTokens } from "./service-account-tokens.ts";

async function keyJson(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const der = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey)).toString("base64");
  return JSON.stringify({ type: "service_account", private_key: `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----\n`, client_email: "sa@p.iam.gserviceaccount.com", token_uri: "http://token.test/token" });
}

describe("service-account tokens", () => {
  test("cached until five minutes before expiry; concurrent callers share one request; a refused token is replaced once", async () => {
    const key = await keyJson();
    let now = 1_000_000;
    let n = 0;
    let release: () => void = () => {};
    const gate = () => new Promise<void>((r) => (release = r));
    let waiting: Promise<void> | undefined;
    const fetch = (async (_url: string, init: RequestInit) => {
      expect(String(init.body)).toContain("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
      if (waiting) await waiting;
      return Response.json({ access_token: `tok-${++n}`, expires_in: 3600 });
    }) as FetchFn;
    const tokens = createServiceAccountTokens({ fetch, clock: () => now, open: (sealed) => sealed });
    const account = testAccount({ provider: "vertex", api_key: key });

    waiting = gate();
    const both = Promise.all([tokens.token(account), tokens.token(account)]);
    release();
    expect(await both).toEqual(["tok-1", "tok-1"]);
    waiting = undefined;
    expect(tokens.token(account)).toBe("tok-1"); // cached: a plain string, no await on the request path
    now += 54 * 60_000;
    expect(tokens.token(account)).toBe("tok-1");
    now += 2 * 60_000; // less than five minutes left
    expect(await tokens.token(account)).toBe("tok-2");
    expect(await tokens.refresh(account, "tok-1")).toBe("tok-2"); // someone else renewed already
    expect(await tokens.refresh(account, "tok-2")).toBe("tok-3");
    expect(n).toBe(3);
  });

  test("a key that is not a service-account key is the account's auth failure, named without its content", () => {
    const tokens = createServiceAccountTokens({ fetch: (() => Promise.reject(new Error("no"))) as FetchFn, clock: Date.now, open: (s) => s });
    expect(() => tokens.token(testAccount({ id: "up_x", provider: "vertex", api_key: '{"type":"x","secret":"s3cr3t"}' }))).toThrow(/up_x: the service account key must be/);
    try {
      tokens.token(testAccount({ provider: "vertex", api_key: '{"secret":"s3cr3t"' }));
    } catch (e) {
      expect((e as Error).message).not.toContain("s3cr3t");
      expect((e as { status?: number }).status).toBe(401);
    }
  });
});
