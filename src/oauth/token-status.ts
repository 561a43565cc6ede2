import type { OAuthTokens } from "./types.ts";

export type OAuthState = "not_authorized" | "authorized" | "expiring" | "expired" | "needs_reauth";

export interface OAuthStatus {
  state: OAuthState;
  /** Epoch ms, when tokens exist. */
  expiresAt?: number;
  /** Milliseconds left (negative once expired), when tokens exist. */
  remainingMs?: number;
  /** True when a refresh token is stored, so an expired access token can still be renewed without a login. */
  canRefresh: boolean;
}

/**
 * What `oauth status` shows. `expiring` means inside the refresh margin (a refresh is due); `expired` with
 * `canRefresh` recovers on the next request; `needs_reauth` (invalid_grant seen) only by logging in again.
 * Never includes token material.
 */
export function oauthStatus(input: {
  tokens: OAuthTokens | undefined;
  needsReauth?: boolean;
  now: number;
  marginMs?: number;
}): OAuthStatus {
  const { tokens, now } = input;
  const marginMs = input.marginMs ?? 5 * 60_000;
  const canRefresh = Boolean(tokens?.refreshToken);
  if (!tokens) return { state: input.needsReauth ? "needs_reauth" : "not_authorized", canRefresh: false };
  const remainingMs = tokens.expiresAt - now;
  const base = { expiresAt: tokens.expiresAt, remainingMs, canRefresh };
  if (input.needsReauth) return { state: "needs_reauth", ...base };
  if (remainingMs <= 0) return { state: "expired", ...base };
  if (remainingMs <= marginMs) return { state: "expiring", ...base };
  return { state: "authorized", ...base };
}

/** "7h 59m", "4m 10s", "expired 3m ago". */
export function formatRemaining(ms: number): string {
  const past = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const text = d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
  return past ? `expired ${text} ago` : text;
}
