import type { Config, UpstreamAccount } from "../config/schema.ts";
import { createConfigTokenPersistence, type TokenConfigStore } from "../oauth/config-persistence.ts";
import { createTokenManager, type TokenManager } from "../oauth/token-manager.ts";
import type { StateStore } from "../state/types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import type { Logger } from "../server/logger.ts";
import { createCredentialCache } from "./runtime-config.ts";
import { createServiceAccountTokens } from "./service-account-tokens.ts";

export interface UpstreamCredentials {
  /** API key (decrypted once per ciphertext), a fresh OAuth access token, or a Vertex AI account's token. */
  credential(account: UpstreamAccount): Promise<string | undefined> | string | undefined;
  /** After a 401 to `failed`: one shared refresh, the new access token (OAuth and Vertex AI accounts). */
  refreshCredential(account: UpstreamAccount, failed: string): Promise<string>;
  /** Background refresh of the live OAuth accounts before they expire. */
  start(): void;
  stop(): Promise<void>;
  readonly tokens: TokenManager;
}

/**
 * The server's credentials: API keys from the config, Vertex AI tokens from service-account keys
 * (service-account-tokens.ts), OAuth tokens through one token manager (single-flight
 * refresh, locks in the shared state store, rotated tokens saved to the config before use). Logs carry account
 * ids and expiries only, never token material.
 */
export function createUpstreamCredentials(deps: {
  store: TokenConfigStore;
  config: () => Config;
  state: StateStore;
  clock: () => number;
  fetch: FetchFn;
  log: Logger;
  /** Brings the shared tokens in line with other gateway processes (createConfigTokenPersistence's `share`). */
  share?: () => Promise<void>;
}): UpstreamCredentials {
  const apiKey = createCredentialCache((sealed, where) => deps.store.cipher.decrypt(sealed, where));
  const serviceAccounts = createServiceAccountTokens({ fetch: deps.fetch, clock: deps.clock, open: (sealed, where) => deps.store.cipher.decrypt(sealed, where) });
  const tokens = createTokenManager({
    fetch: deps.fetch,
    clock: deps.clock,
    store: deps.state,
    persistence: createConfigTokenPersistence({ store: deps.store, config: deps.config, share: deps.share }),
    onEvent: (e) => {
      if (e.type === "refreshed") {
        deps.log.log("info", "oauth token refreshed", { account: e.accountId, rotated: e.rotated, expires_at: new Date(e.expiresAt).toISOString() });
      } else if (e.type === "needs_reauth") {
        deps.log.log("warn", "oauth account needs a new login", { account: e.accountId, reason: e.reason });
      } else if (e.type === "refresh_failed") {
        deps.log.log("warn", "oauth refresh failed", { account: e.accountId, error: e.message });
      }
    },
  });
  return {
    credential: (account) =>
      account.type === "oauth" ? tokens.getAccessToken(account) : account.provider === "vertex" ? serviceAccounts.token(account) : apiKey(account),
    refreshCredential: (account, failed) => (account.provider === "vertex" ? serviceAccounts.refresh(account, failed) : tokens.onUnauthorized(account, failed)),
    start: () => tokens.startBackground(() => deps.config().upstream_accounts),
    stop: () => tokens.stop(),
    tokens,
  };
}
