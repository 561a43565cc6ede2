import type { UpstreamAccount } from "../config/schema.ts";
import { oauthStatus, type OAuthState } from "./token-status.ts";

/** What `oauth status`, the login commands and the admin UI show of an OAuth account: state and expiry, never token material. */
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

