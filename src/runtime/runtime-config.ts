import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { ConfigStore } from "../config/store.ts";
import type { Logger } from "../server/logger.ts";

/**
 * The configuration in force for a running server: the last valid version of the file. CLI changes apply
 * within the store's poll interval; an invalid edit is logged and the last good configuration stays.
 */
export interface LiveConfig {
  current(): Config;
  stop(): void;
}

export function watchConfig(store: ConfigStore, initial: Config, log: Logger, onChange?: (c: Config) => void): LiveConfig {
  let current = initial;
  const stop = store.watch(
    (next) => {
      current = next;
      log.setLevel(next.logging.level, next.logging.format);
      log.log("info", "configuration reloaded", {
        keys: next.gateway_keys.length,
        accounts: next.upstream_accounts.length,
        routes: next.model_routes.length,
      });
      onChange?.(next);
    },
    (err) => log.log("error", "configuration change rejected; keeping the last good configuration", { error: err.message }),
  );
  return { current: () => current, stop };
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
