import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../errors.ts";
import { masterKeyPath } from "./paths.ts";

/**
 * Secrets at rest. Upstream keys, OAuth tokens and proxy URLs with credentials are stored AES-256-GCM sealed
 * under a master key: 32 random bytes (LLM_GATEWAY_MASTER_KEY as hex or base64, or the generated 0600
 * `master.key` beside the config), or a passphrase in LLM_GATEWAY_MASTER_KEY.
 *
 * The version in a sealed value says how its AES key was derived, so values written by older versions stay
 * readable:
 * - `enc:v1:<iv>:<ciphertext+tag>`: the 32-byte key itself; for a passphrase, one SHA-256 of it (the old
 *   derivation: read, never written any more).
 * - `enc:v2:<salt>:<iv>:<ciphertext+tag>`: a passphrase through scrypt (N=2^15, r=8, p=1) with a 16-byte salt.
 *   One cipher reuses one salt (the config's, when it has v2 values), so a process derives the key once.
 * Gateway keys are never stored: only their SHA-256.
 */
const V1 = "enc:v1:";
const V2 = "enc:v2:";
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export interface Cipher {
  encrypt(plain: string): string;
  decrypt(sealed: string, where: string): string;
}

/** A master key as configured: random bytes used as they are, or a passphrase that goes through scrypt. */
export type MasterKey =
  | { kind: "bytes"; key: Buffer; source: string }
  | { kind: "passphrase"; passphrase: string; source: string };

export const isSealed = (value: string) => /^enc:v\d+:/.test(value);

/** The scrypt salt a file's v2 values were sealed with (the first one found), so new values share it. */
export function sealedSalt(text: string): string | undefined {
  return /enc:v2:([A-Za-z0-9_-]{22}):/.exec(text)?.[1];
}

/** Whether a config file's text holds any sealed value (a new master key could not open it). */
export const holdsSealedValues = (text: string) => /enc:v\d+:/.test(text);

/** 32 raw bytes as 64 hex chars or base64; anything else is a passphrase. */
function keyFromEnv(value: string): MasterKey {
  const source = "LLM_GATEWAY_MASTER_KEY";
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { kind: "bytes", key: Buffer.from(value, "hex"), source };
  const b = Buffer.from(value, "base64");
  if (b.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(value)) return { kind: "bytes", key: b, source };
  return { kind: "passphrase", passphrase: value, source: `the passphrase in ${source}` };
}

/**
 * LLM_GATEWAY_MASTER_KEY, else `master.key` beside the config. The file is generated on first use, but never
 * beside a config that already holds sealed values (`holdsSecrets`): a new key could not open them, and the
 * real problem (the file is gone) would surface later as "wrong master key".
 */
export function loadMasterKey(
  configPath: string,
  env: Record<string, string | undefined> = process.env,
  holdsSecrets: () => boolean = () => false,
): MasterKey {
  const fromEnv = env.LLM_GATEWAY_MASTER_KEY;
  if (fromEnv) return keyFromEnv(fromEnv);
  const file = masterKeyPath(configPath);
  const source = `the master key file ${file}`;
  if (existsSync(file)) {
    const hex = readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new ConfigError(`master key file ${file} is not 64 hex characters`);
    return { kind: "bytes", key: Buffer.from(hex, "hex"), source };
  }
  if (holdsSecrets()) {
    throw new ConfigError(
      `the master key file ${file} is missing, and ${configPath} holds encrypted values that only that key opens; ` +
        "restore master.key from your backup or set LLM_GATEWAY_MASTER_KEY (no new key was made)",
    );
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // wx: never overwrite a key another process wrote a moment ago.
  try {
    writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return loadMasterKey(configPath, env, holdsSecrets);
    throw e;
  }
  chmodSync(file, 0o600);
  return { kind: "bytes", key, source };
}

/** `salt` (base64url) is the one new values are sealed with; a fresh random one when the config has none yet. */
export function createCipher(master: MasterKey | Buffer, opts: { salt?: string } = {}): Cipher {
  const mk: MasterKey = Buffer.isBuffer(master) ? { kind: "bytes", key: master, source: "the master key" } : master;
  const derived = new Map<string, Buffer>();
  const scryptKey = (passphrase: string, salt: string) => {
    let key = derived.get(salt);
    if (!key) {
      key = scryptSync(passphrase, Buffer.from(salt, "base64url"), 32, SCRYPT);
      derived.set(salt, key);
    }
    return key;
  };
  let salt = opts.salt;
  const wrongKey = (where: string) =>
    new ConfigError(`cannot decrypt ${where}: wrong master key (${mk.source} is not the one it was sealed with) or a damaged value`);

  return {
    encrypt(plain) {
      if (mk.kind === "bytes") return `${V1}${seal(mk.key, plain)}`;
      salt ??= randomBytes(16).toString("base64url");
      return `${V2}${salt}:${seal(scryptKey(mk.passphrase, salt), plain)}`;
    },
    decrypt(sealed, where) {
      if (!isSealed(sealed)) throw new ConfigError(`${where} is not encrypted; re-add it through the CLI`);
      let key: Buffer;
      let rest: string;
      if (sealed.startsWith(V1)) {
        key = mk.kind === "bytes" ? mk.key : createHash("sha256").update(mk.passphrase).digest();
        rest = sealed.slice(V1.length);
      } else if (sealed.startsWith(V2)) {
        // A value sealed under a passphrase cannot open with 32 raw bytes.
        if (mk.kind !== "passphrase") throw wrongKey(where);
        const [valueSalt, ...tail] = sealed.slice(V2.length).split(":");
        if (!valueSalt || !/^[A-Za-z0-9_-]{22}$/.test(valueSalt)) throw wrongKey(where);
        key = scryptKey(mk.passphrase, valueSalt);
        salt ??= valueSalt;
        rest = tail.join(":");
      } else {
        throw new ConfigError(`cannot decrypt ${where}: sealed by a newer llm-gateway (${sealed.slice(0, sealed.indexOf(":", 4) + 1)}…)`);
      }
      const plain = open(key, rest);
      if (plain === undefined) throw wrongKey(where);
      return plain;
    },
  };
}

function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([c.update(plain, "utf8"), c.final(), c.getAuthTag()]);
  return `${iv.toString("base64url")}:${body.toString("base64url")}`;
}

/** `<iv>:<ciphertext+tag>` opened, or undefined when the key is wrong or the value damaged. */
function open(key: Buffer, text: string): string | undefined {
  const [ivText, bodyText] = text.split(":");
  try {
    const iv = Buffer.from(ivText!, "base64url");
    const body = Buffer.from(bodyText!, "base64url");
    const d = createDecipheriv("aes-256-gcm", key, iv);
    d.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString("utf8");
  } catch {
    return undefined;
  }
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
