import type { UpstreamAccount } from "../config/schema.ts";

/**
 * A short digest of what decides whether an account authenticates: provider, auth type, base URL, API key
 * and OAuth access token (all as stored, i.e. encrypted). When it changes after a 401/403, the operator
 * fixed the key or the refresher renewed the token, and the account is tried again. Only the hash is kept.
 */
export function accountFingerprint(account: UpstreamAccount): string {
  // Routing asks on every request; an account object never changes (a reload brings new ones), so once is enough.
  let fp = cache.get(account);
  if (fp === undefined) {
    fp = compute(account);
    cache.set(account, fp);
  }
  return fp;
}

const cache = new WeakMap<UpstreamAccount, string>();

function compute(account: UpstreamAccount): string {
  const material = [
    account.provider,
    account.type ?? "",
    account.base_url ?? "",
    account.api_key ?? "",
    account.oauth?.access_token ?? "",
  ].join("\u0000");
  return Bun.hash(material).toString(36);
}
