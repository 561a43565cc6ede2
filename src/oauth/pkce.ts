import { createHash, timingSafeEqual } from "node:crypto";

/** Fills a buffer with cryptographically random bytes; injectable so tests can pin values. */
export type RandomBytes = (n: number) => Uint8Array;

export const cryptoRandomBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

export interface PkcePair {
  verifier: string;
  challenge: string;
  method: "S256";
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))), no padding. */
export function codeChallengeS256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/**
 * RFC 7636 §4.1: a verifier of 43–128 unreserved characters. 32 random bytes in base64url give 43 characters,
 * as Anthropic's own login does; `bytes` may raise it up to 96 bytes (128 characters).
 */
export function createPkcePair(random: RandomBytes = cryptoRandomBytes, bytes = 32): PkcePair {
  if (bytes < 32 || bytes > 96) throw new RangeError("PKCE verifier must come from 32 to 96 random bytes");
  const verifier = base64url(random(bytes));
  return { verifier, challenge: codeChallengeS256(verifier), method: "S256" };
}

/** An unguessable `state` (RFC 6749 §10.12). */
export function createState(random: RandomBytes = cryptoRandomBytes): string {
  return base64url(random(32));
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so neither their content nor their
 * length leaks through timing.
 */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
}
