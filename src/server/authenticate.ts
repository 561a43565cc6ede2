import type { Config, GatewayKey, Permission } from "../config/schema.ts";
import { hashesEqual, hashKey } from "../config/secrets.ts";
import { GatewayError } from "../errors.ts";


/** The raw key from `Authorization: Bearer …` or `x-api-key` (what OpenAI and Anthropic clients send). */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

export type Authenticate = (headers: Headers, keys: Config["gateway_keys"], needed: Permission, now: number) => GatewayKey;

/**
 * Finds the gateway key a request presents and checks it is usable for `needed`.
 * The lookup is by SHA-256 (the raw key is never stored); the final comparison is constant-time.
 */
export function createAuthenticator(): Authenticate {
  // Index of keys by hash, rebuilt only when a reload brings a new key list.
  let indexedKeys: Config["gateway_keys"] | undefined;
  let index = new Map<string, GatewayKey>();
  return (headers, keys, needed, now) => {
    if (keys !== indexedKeys) {
      index = new Map(keys.map((k) => [k.key_hash, k]));
      indexedKeys = keys;
    }
    return check(headers, index, needed, now);
  };
}

function check(headers: Headers, index: Map<string, GatewayKey>, needed: Permission, now: number): GatewayKey {
  const raw = presentedKey(headers);
  if (!raw) throw new GatewayError(401, "authentication", "missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`");
  const hash = hashKey(raw);
  const key = index.get(hash);
  if (!key || !hashesEqual(key.key_hash, hash)) throw new GatewayError(401, "authentication", "invalid API key");
  if (key.status !== "active") throw new GatewayError(401, "authentication", "API key is disabled");
  if (key.expires_at && Date.parse(key.expires_at) <= now) throw new GatewayError(401, "authentication", "API key has expired");
  if (!key.permissions.includes(needed) && !key.permissions.includes("admin")) {
    throw new GatewayError(403, "permission", `API key lacks the '${needed}' permission`);
  }
  return key;
}
