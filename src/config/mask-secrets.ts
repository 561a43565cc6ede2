import { openSealedUrl } from "./url-credentials.ts";
import type { Cipher } from "./secrets.ts";
import { maskSecret } from "./secrets.ts";
import type { Config, GatewayKey, OAuthSettings, UpstreamAccount } from "./schema.ts";

/**
 * Display forms of config items: nothing printed by the CLI (tables, `show`, `--json`, `config show`) carries a
 * secret. Upstream keys are decrypted only to be masked; a wrong master key surfaces as the cipher's ConfigError.
 */

/** A gateway key without its hash (useless to readers; the key_prefix identifies it). */
export function keyView(key: GatewayKey): Omit<GatewayKey, "key_hash"> {
  const { key_hash: _hash, ...rest } = key;
  return rest;
}

export function maskSealed(cipher: Cipher, sealed: string | undefined, where: string): string | undefined {
  return sealed === undefined ? undefined : maskSecret(cipher.decrypt(sealed, where));
}

export function accountView(account: UpstreamAccount, cipher: Cipher): UpstreamAccount {
  const where = `upstream account ${account.id}`;
  const view: UpstreamAccount = { ...account };
  if (account.api_key !== undefined) {
    view.api_key = account.provider === "vertex" ? serviceAccountLabel(cipher.decrypt(account.api_key, `${where} api_key`)) : maskSealed(cipher, account.api_key, `${where} api_key`);
  }
  if (account.oauth) view.oauth = oauthView(account.oauth, cipher, where);
  return view;
}

/** A Vertex AI account's key is shown as the service account it belongs to (its email is no secret). */
function serviceAccountLabel(json: string): string {
  try {
    const email = (JSON.parse(json) as { client_email?: unknown }).client_email;
    if (typeof email === "string") return `service account ${email}`;
  } catch {
    /* not JSON: masked like any key below */
  }
  return maskSecret(json);
}

function oauthView(oauth: OAuthSettings, cipher: Cipher, where: string): OAuthSettings {
  return {
    ...oauth,
    ...(oauth.access_token !== undefined && { access_token: maskSealed(cipher, oauth.access_token, `${where} oauth.access_token`) }),
    ...(oauth.refresh_token !== undefined && { refresh_token: maskSealed(cipher, oauth.refresh_token, `${where} oauth.refresh_token`) }),
  };
}

/**
 * `http://user:secret@proxy:3128` → `http://user:****@proxy:3128`: proxy URLs may carry credentials. A user name
 * without a password is masked instead (some proxies take a token as the user name).
 */
export function maskUrlCredentials(value: string): string {
  try {
    const url = new URL(value);
    const inQuery = url.searchParams.has("password");
    if (inQuery) url.searchParams.set("password", "****");
    if (url.password) url.password = "****";
    else if (url.username) url.username = "****";
    else if (!inQuery) return value;
    return url.toString();
  } catch {
    return value;
  }
}

/**
 * A stored URL (a proxy, the usage database) as shown: opened when sealed (the cipher is asked for only then),
 * credentials masked.
 */
export function urlView(value: string, where: string, cipher: () => Cipher): string {
  return maskUrlCredentials(openSealedUrl(value, where, cipher));
}

/** The whole configuration as `config show` prints it. */
export function configView(config: Config, cipher: Cipher): Record<string, unknown> {
  return {
    ...config,
    gateway_keys: config.gateway_keys.map(keyView),
    upstream_accounts: config.upstream_accounts.map((a) => accountView(a, cipher)),
    environment: {
      ...config.environment,
      http_proxy: urlView(config.environment.http_proxy, "environment.http_proxy", () => cipher),
      https_proxy: urlView(config.environment.https_proxy, "environment.https_proxy", () => cipher),
    },
    usage: { ...config.usage, database_url: urlView(config.usage.database_url, "usage.database_url", () => cipher) },
    state: { ...config.state, redis_url: urlView(config.state.redis_url, "state.redis_url", () => cipher) },
  };
}
