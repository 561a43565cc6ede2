import type { Config, GatewayKey, UpstreamAccount } from "../../config/schema.ts";
import type { Cipher } from "../../config/secrets.ts";
import { accountView, keyView, urlView } from "../../config/mask-secrets.ts";
import { oauthAccountView } from "../../oauth/account-view.ts";
import type { RecentRequest } from "../../usage/request-feed.ts";
import type { AccountHealthSummary } from "../health-document.ts";
import type { AdminAccount, AdminEnvironment, AdminKey, AdminRecentRequest } from "./admin-schemas.ts";

/**
 * What the admin API answers about config items: the CLI's masked views (src/config/mask-secrets.ts) with what the
 * UI shows beside them (a key's state, an account's health and OAuth state). Nothing secret: no key hash, upstream
 * keys masked, no OAuth token at all.
 */
export function adminKey(key: GatewayKey, now: number): AdminKey {
  const state = key.status === "disabled" ? "disabled" : key.expires_at !== undefined && Date.parse(key.expires_at) <= now ? "expired" : "active";
  return { ...keyView(key), state };
}

export function adminAccount(account: UpstreamAccount, cipher: () => Cipher, health: Map<string, AccountHealthSummary>, now: number): AdminAccount {
  // Only an API key needs the cipher (to be masked); an OAuth account's tokens are left out, not masked.
  const { api_key, oauth: _oauth, ...rest } = account.api_key === undefined ? account : accountView({ ...account, oauth: undefined }, cipher());
  const view: AdminAccount = { ...rest, health: accountHealth(account, health) };
  if (api_key !== undefined) view.api_key = api_key;
  if (account.type === "oauth") {
    const o = oauthAccountView(account, now);
    view.oauth = { state: o.state, can_refresh: o.can_refresh, ...(o.expires_at !== undefined && { expires_at: o.expires_at }) };
  }
  return view;
}

function accountHealth(account: UpstreamAccount, health: Map<string, AccountHealthSummary>): AdminAccount["health"] {
  if (account.status !== "active") return { state: "disabled" };
  const h = health.get(account.id);
  // Not in the router yet (added a moment ago): nothing has failed.
  if (!h) return { state: "healthy" };
  const { id: _id, ...rest } = h;
  return rest;
}

export function adminEnvironment(env: Config["environment"], cipher: () => Cipher): AdminEnvironment {
  return {
    http_proxy: urlView(env.http_proxy, "environment.http_proxy", cipher),
    https_proxy: urlView(env.https_proxy, "environment.https_proxy", cipher),
    no_proxy: env.no_proxy,
  };
}

/** Recent requests with the names their key and account have now. */
export function adminRecentRequests(requests: RecentRequest[], config: Config): AdminRecentRequest[] {
  const keys = new Map(config.gateway_keys.map((k) => [k.id, k.name]));
  const accounts = new Map(config.upstream_accounts.map((a) => [a.id, a.name]));
  return requests.map((r) => {
    const keyName = r.key_id === undefined ? undefined : keys.get(r.key_id);
    const accountName = r.account_id === undefined ? undefined : accounts.get(r.account_id);
    return { ...r, ...(keyName !== undefined && { key_name: keyName }), ...(accountName !== undefined && { account_name: accountName }) };
  });
}
