import { type OAuthAccountView } from "../../oauth/account-view.ts";
import { formatRemaining, type OAuthState } from "../../oauth/token-status.ts";
import { formatFields } from "../format-table.ts";

export { oauthAccountView, type OAuthAccountView } from "../../oauth/account-view.ts";

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
