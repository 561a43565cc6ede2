import type { Config, GatewayKey, Permission } from "../config/schema.ts";
import { hashesEqual, hashKey } from "../config/secrets.ts";
import { GatewayError } from "../errors.ts";


/**
 * The raw key from `Authorization: Bearer …`, `x-api-key` (what OpenAI and Anthropic clients send) or
 * `x-goog-api-key` (Gemini clients); with `url`, also from its `?key=` (Google's API takes the key there too; only
 * the Gemini routes pass their URL, and the gateway never logs or forwards a request's query).
 */
export function presentedKey(headers: Headers, url?: string): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const key = headers.get("x-api-key")?.trim() || headers.get("x-goog-api-key")?.trim();
  if (key) return key;
  if (url === undefined || !url.includes("key=")) return undefined;
  const q = url.indexOf("?");
  return q < 0 ? undefined : new URLSearchParams(url.slice(q + 1)).get("key")?.trim() || undefined;
}

/** `url`: the request's, for routes that accept the key in `?key=` (presentedKey). */
export type Authenticate = (headers: Headers, keys: Config["gateway_keys"], needed: Permission, now: number, url?: string) => GatewayKey;

/**
 * Finds the gateway key a request presents and checks it is usable for `needed`.
 * The lookup is by SHA-256 (the raw key is never stored); the final comparison is constant-time.
 */
export function createAuthenticator(): Authenticate {
  // Index of keys by hash, rebuilt only when a reload brings a new key list.
  let indexedKeys: Config["gateway_keys"] | undefined;
  let index = new Map<string, GatewayKey>();
  return (headers, keys, needed, now, url) => {
    if (keys !== indexedKeys) {
      index = new Map(keys.map((k) => [k.key_hash, k]));
      indexedKeys = keys;
    }
    return check(headers, index, needed, now, url);
  };
}

function check(headers: Headers, index: Map<string, GatewayKey>, needed: Permission, now: number, url?: string): GatewayKey {
  const raw = presentedKey(headers, url);
  if (!raw) {
    const where = url === undefined ? "`Authorization: Bearer <key>` or `x-api-key: <key>`" : "`x-goog-api-key: <key>`, `?key=<key>` or `Authorization: Bearer <key>`";
    throw new GatewayError(401, "authentication", `missing API key: send ${where}`);
  }
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
