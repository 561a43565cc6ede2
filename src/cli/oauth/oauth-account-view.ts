import type { UpstreamAccount } from "../../config/schema.ts";
import { formatRemaining, oauthStatus, type OAuthState } from "../../oauth/token-status.ts";
import { formatFields } from "../format-table.ts";

/** What `oauth status` and the login commands show of an OAuth account: state and expiry, never token material. */
export interface OAuthAccountView {
  id: string;
  name: string;
  provider: string;
  state: OAuthState;
  expires_at?: string;
  /** Seconds left; negative once expired. */
  remaining_s?: number;
  can_refresh: boolean;
  base_url?: string;
}

/** Reads only the stored expiry and which tokens exist, so it needs no decryption. */
export function oauthAccountView(account: UpstreamAccount, now: number, marginMs?: number): OAuthAccountView {
  const o = account.oauth;
  const expiresAt = o?.expires_at ? Date.parse(o.expires_at) : Number.NaN;
  const tokens = o?.access_token
    ? { accessToken: "", expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt, ...(o.refresh_token ? { refreshToken: "(sealed)" } : {}) }
    : undefined;
  // An account added but never logged in also carries needs_reauth (to keep it out of routing): "not logged in".
  const s = oauthStatus({ tokens, needsReauth: Boolean(tokens && o?.needs_reauth), now, marginMs });
  return {
    id: account.id,
    name: account.name,
    provider: account.provider,
    state: s.state,
    ...(s.expiresAt !== undefined && { expires_at: new Date(s.expiresAt).toISOString() }),
    ...(s.remainingMs !== undefined && { remaining_s: Math.floor(s.remainingMs / 1000) }),
    can_refresh: s.canRefresh,
    ...(account.base_url !== undefined && { base_url: account.base_url }),
  };
}

const STATE_TEXT: Record<OAuthState, string> = {
  not_authorized: "not logged in",
  authorized: "authorized",
  expiring: "expiring (refresh due)",
  expired: "expired",
  needs_reauth: "needs re-login",
};

/** "authorized, 7h 59m left" / "expired 3m 0s ago, refreshable" / "needs re-login". */
export function describeOAuthState(v: OAuthAccountView): string {
  const text = STATE_TEXT[v.state];
  if (v.remaining_s === undefined || v.state === "needs_reauth" || v.state === "not_authorized") return text;
  const left = formatRemaining(v.remaining_s * 1000);
  if (v.state === "expired") return `${left}${v.can_refresh ? ", refreshed on next use" : ", no refresh token: log in again"}`;
  return `${text}, ${left} left`;
}

export function formatOAuthAccount(v: OAuthAccountView): string {
  return formatFields([
    ["id", v.id],
    ["name", v.name],
    ["provider", v.provider],
    ["state", describeOAuthState(v)],
    ["expires", v.expires_at],
    ["refresh", v.state === "not_authorized" ? undefined : v.can_refresh ? "refresh token stored" : "no refresh token"],
    ["base url", v.base_url],
  ]);
}
