import { describe, expect, test } from "bun:test";
import { formatRemaining, oauthStatus } from "./token-status.ts";

const now = 1_700_000_000_000;
const min = 60_000;

describe("oauthStatus", () => {
  test("classifies by time left and the needs-reauth flag", () => {
    const t = (left: number, refresh = true) => ({ accessToken: "a", refreshToken: refresh ? "r" : undefined, expiresAt: now + left });
    expect(oauthStatus({ tokens: undefined, now }).state).toBe("not_authorized");
    expect(oauthStatus({ tokens: t(60 * min), now })).toEqual({ state: "authorized", expiresAt: now + 60 * min, remainingMs: 60 * min, canRefresh: true });
    expect(oauthStatus({ tokens: t(4 * min), now }).state).toBe("expiring");
    expect(oauthStatus({ tokens: t(4 * min), now, marginMs: 3 * min }).state).toBe("authorized");
    expect(oauthStatus({ tokens: t(-1), now }).state).toBe("expired");
    expect(oauthStatus({ tokens: t(-1, false), now }).canRefresh).toBe(false);
    expect(oauthStatus({ tokens: t(60 * min), needsReauth: true, now }).state).toBe("needs_reauth");
    expect(oauthStatus({ tokens: undefined, needsReauth: true, now }).state).toBe("needs_reauth");
  });

  test("never carries token material", () => {
    const s = oauthStatus({ tokens: { accessToken: "secret-a", refreshToken: "secret-r", expiresAt: now + min }, now });
    expect(JSON.stringify(s)).not.toContain("secret");
  });
});

describe("formatRemaining", () => {
  test("human units", () => {
    expect(formatRemaining(8 * 60 * min - 1000)).toBe("7h 59m");
    expect(formatRemaining(4 * min + 10_000)).toBe("4m 10s");
    expect(formatRemaining(9000)).toBe("9s");
    expect(formatRemaining(2 * 86_400_000 + 3 * 60 * min)).toBe("2d 3h");
    expect(formatRemaining(-3 * min)).toBe("expired 3m 0s ago");
  });
});
