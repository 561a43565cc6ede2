import { describe, expect, test } from "bun:test";
import { codeChallengeS256, createPkcePair, createState, secretsEqual } from "./pkce.ts";

describe("PKCE (RFC 7636)", () => {
  test("S256 matches the RFC 7636 appendix B example", () => {
    expect(codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  test("verifier is 43 unreserved characters from 32 random bytes, challenge derived from it", () => {
    const p = createPkcePair();
    expect(p.verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(p.challenge).toBe(codeChallengeS256(p.verifier));
    expect(p.method).toBe("S256");
    expect(createPkcePair().verifier).not.toBe(p.verifier);
  });

  test("verifier length stays within 43..128", () => {
    expect(createPkcePair(undefined, 96).verifier).toHaveLength(128);
    expect(() => createPkcePair(undefined, 31)).toThrow();
    expect(() => createPkcePair(undefined, 97)).toThrow();
  });

  test("uses the injected random source", () => {
    const zero = (n: number) => new Uint8Array(n);
    expect(createPkcePair(zero).verifier).toBe("A".repeat(43));
    expect(createState(zero)).toBe("A".repeat(43));
  });

  test("state is random; secretsEqual compares exactly, whatever the lengths", () => {
    const a = createState();
    expect(createState()).not.toBe(a);
    expect(secretsEqual(a, a)).toBe(true);
    expect(secretsEqual(a, a.slice(0, -1))).toBe(false);
    expect(secretsEqual(a, `${a}x`)).toBe(false);
    expect(secretsEqual("", "")).toBe(true);
  });
});
