import { createCipheriv, createDecipheriv, randomBytes, createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../errors.ts";
import { masterKeyPath } from "./paths.ts";

/**
 * Secrets at rest. Upstream keys and OAuth tokens are stored as `enc:v1:<iv>:<ciphertext+tag>` (base64url),
 * AES-256-GCM under a master key from LLM_GATEWAY_MASTER_KEY or a generated 0600 file beside the config.
 * Gateway keys are never stored: only their SHA-256.
 */
const PREFIX = "enc:v1:";

export interface Cipher {
  encrypt(plain: string): string;
  decrypt(sealed: string, where: string): string;
}

export const isSealed = (value: string) => value.startsWith(PREFIX);

/** Accepts 32 raw bytes as 64 hex chars or base64; anything else is hashed to 32 bytes (a passphrase). */
function keyFromEnv(value: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  const b = Buffer.from(value, "base64");
  if (b.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(value)) return b;
  return createHash("sha256").update(value).digest();
}

export function loadMasterKey(configPath: string, env: Record<string, string | undefined> = process.env): Buffer {
  const fromEnv = env.LLM_GATEWAY_MASTER_KEY;
  if (fromEnv) return keyFromEnv(fromEnv);
  const file = masterKeyPath(configPath);
  if (existsSync(file)) {
    const hex = readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new ConfigError(`master key file ${file} is not 64 hex characters`);
    return Buffer.from(hex, "hex");
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // wx: never overwrite a key another process wrote a moment ago.
  try {
    writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return loadMasterKey(configPath, env);
    throw e;
  }
  chmodSync(file, 0o600);
  return key;
}

export function createCipher(key: Buffer): Cipher {
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([c.update(plain, "utf8"), c.final(), c.getAuthTag()]);
      return `${PREFIX}${iv.toString("base64url")}:${body.toString("base64url")}`;
    },
    decrypt(sealed, where) {
      if (!isSealed(sealed)) throw new ConfigError(`${where} is not encrypted; re-add it through the CLI`);
      const [ivText, bodyText] = sealed.slice(PREFIX.length).split(":");
      try {
        const iv = Buffer.from(ivText!, "base64url");
        const body = Buffer.from(bodyText!, "base64url");
        const d = createDecipheriv("aes-256-gcm", key, iv);
        d.setAuthTag(body.subarray(body.length - 16));
        return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString("utf8");
      } catch {
        throw new ConfigError(
          `cannot decrypt ${where}: wrong master key (LLM_GATEWAY_MASTER_KEY or master.key beside the config) or a damaged value`,
        );
      }
    },
  };
}

/** Gateway keys: `lgw_` + 32 random bytes, base64url (43 chars). */
export const generateGatewayKey = () => `lgw_${randomBytes(32).toString("base64url")}`;
export const hashKey = (raw: string) => Bun.SHA256.hash(raw, "hex");

/** Constant-time comparison of two hex digests (every character is looked at, whatever differs). */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Masks a secret for display: first 6 and last 4 characters at most. */
export function maskSecret(secret: string): string {
  if (secret.length <= 12) return "****";
  return `${secret.slice(0, 6)}…${secret.slice(-4)}`;
}
