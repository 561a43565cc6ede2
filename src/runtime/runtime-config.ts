import { openUrlCredentials } from "../config/url-credentials.ts";
import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Logger } from "../server/logger.ts";

/**
 * The configuration in force for a running server: the last valid version of the file, its sealed URLs opened
 * (in memory only). CLI changes apply within the store's poll interval; an invalid edit (bad YAML, an unknown key,
 * an emptied or cut-short file, a value the master key cannot open) is logged once and the last good
 * configuration stays.
 */
export interface LiveConfig {
  current(): Config;
  /** Applies the file now if it changed (after this process wrote it: the admin API), instead of at the next poll. */
  reload(): void;
  stop(): void;
}

/** A configuration as the running server uses it: sealed URLs (proxies, the usage database) opened. Throws ConfigError when they cannot be. */
export const runtimeConfig = (store: ConfigStore, config: Config): Config => openUrlCredentials(config, () => store.cipher);

/**
 * Throws ConfigError when this process's master key cannot open the configuration's secrets (sealed URLs, upstream
 * keys): at start, and before a version shared by another instance is applied (every instance needs the same key).
 */
export function assertSecretsOpen(store: ConfigStore, config: Config): void {
  runtimeConfig(store, config);
  for (const a of config.upstream_accounts) {
    if (a.api_key) store.cipher.decrypt(a.api_key, `upstream_accounts[${a.name}].api_key`);
    if (a.oauth?.access_token) store.cipher.decrypt(a.oauth.access_token, `upstream_accounts[${a.name}].oauth.access_token`);
  }
}

export function watchConfig(store: ConfigStore, initial: Config, log: Logger, onChange?: (c: Config) => void): LiveConfig {
  let current = initial;
  // The same rejection is logged once, however often the file is touched while it stays broken.
  let lastRejection: string | undefined;
  const reject = (err: Error) => {
    if (err.message === lastRejection) return;
    lastRejection = err.message;
    log.log("error", "configuration change rejected; keeping the last good configuration", { error: err.message });
  };
  const stop = store.watch(
    (loaded) => {
      let next: Config;
      try {
        next = runtimeConfig(store, loaded);
      } catch (e) {
        return reject(e as Error);
      }
      lastRejection = undefined;
      current = next;
      log.setLevel(next.logging.level, next.logging.format);
      log.log("info", "configuration reloaded", {
        keys: next.gateway_keys.length,
        accounts: next.upstream_accounts.length,
        routes: next.model_routes.length,
      });
      onChange?.(next);
    },
    reject,
  );
  return { current: () => current, reload: stop.check, stop };
}

/**
 * Decrypts an account's API key once per sealed value: the plaintext is cached in memory only, and a key
 * changed by the CLI is picked up because the sealed text differs.
 */
export function createCredentialCache(decrypt: (sealed: string, where: string) => string) {
  const cache = new Map<string, { sealed: string; plain: string }>();
  return (account: UpstreamAccount): string | undefined => {
    const sealed = account.api_key;
    if (!sealed) return undefined;
    const hit = cache.get(account.id);
    if (hit && hit.sealed === sealed) return hit.plain;
    const plain = decrypt(sealed, `upstream_accounts[${account.name}].api_key`);
    cache.set(account.id, { sealed, plain });
    return plain;
  };
}
