import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { ConfigStore } from "../config/store.ts";
import { ConfigError } from "../errors.ts";
import type { TokenPersistence } from "./token-manager.ts";
import type { OAuthTokens } from "./types.ts";

/** What the token code needs from the config store (the real ConfigStore, or a stand-in in tests). */
export type TokenConfigStore = Pick<ConfigStore, "read" | "update" | "cipher">;

export interface ConfigTokenPersistenceOptions {
  store: TokenConfigStore;
  /**
   * The configuration requests are served from (a server's live config). Default: read the file each time,
   * which is right for one-shot CLI commands. A live config may lag behind the file; see `load`.
   */
  config?: () => Config;
  /**
   * Brings this process's view of the configuration in line with the other gateway processes' now (cluster mode:
   * the shared configuration synced both ways; workers: the shared file applied). Awaited after tokens are saved
   * (the refresh lock is released only once the others can read them) and before tokens are read under the lock.
   */
  share?: () => Promise<void>;
}

interface Decrypted {
  sealedAccess: string;
  sealedRefresh: string | undefined;
  expiresAt: string | undefined;
  tokens: OAuthTokens;
}

interface OwnWrite {
  /** What we wrote. */
  sealedAccess: string;
  tokens: OAuthTokens;
  /** Access-token ciphertexts our writes replaced: a config still showing one of them is older than our write. */
  replaced: Set<string>;
}

/** Stored form of an expiry: ISO 8601, as every other time in the file. */
const expiryToText = (ms: number) => new Date(ms).toISOString();

function expiryFromText(text: string | undefined, where: string): number {
  if (text === undefined) return 0;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ConfigError(`${where}.expires_at is not a date: "${text}"`);
  return ms;
}

function findAccount(config: Config, accountId: string): UpstreamAccount {
  const account = config.upstream_accounts.find((a) => a.id === accountId);
  if (!account) throw new ConfigError(`no upstream account with id "${accountId}"`);
  return account;
}

/**
 * TokenPersistence over the configuration file: tokens sealed (`enc:v1:…`) in `upstream_accounts[].oauth`.
 *
 * `load` runs on every OAuth request, so it decrypts once per ciphertext and keeps the plaintext in memory only.
 * A server's live config reloads from the file a moment after a write; until then it still shows the tokens a
 * refresh just replaced, whose refresh token is spent (sending it again makes rotating servers revoke the whole
 * family). So the tokens this process wrote win over a config that still shows what they replaced; anything
 * else in the config (a new login by the CLI) wins over them.
 */
export function createConfigTokenPersistence(opts: ConfigTokenPersistenceOptions): TokenPersistence {
  const { store } = opts;
  const config = opts.config ?? (() => store.read());
  const decrypted = new Map<string, Decrypted>();
  const ownWrites = new Map<string, OwnWrite>();

  function decryptAccount(account: UpstreamAccount): OAuthTokens | undefined {
    const o = account.oauth;
    if (!o?.access_token) return undefined;
    const hit = decrypted.get(account.id);
    if (hit && hit.sealedAccess === o.access_token && hit.sealedRefresh === o.refresh_token && hit.expiresAt === o.expires_at) {
      return hit.tokens;
    }
    const where = `upstream_accounts[${account.name}].oauth`;
    const tokens: OAuthTokens = {
      accessToken: store.cipher.decrypt(o.access_token, `${where}.access_token`),
      expiresAt: expiryFromText(o.expires_at, where),
    };
    if (o.refresh_token) tokens.refreshToken = store.cipher.decrypt(o.refresh_token, `${where}.refresh_token`);
    decrypted.set(account.id, { sealedAccess: o.access_token, sealedRefresh: o.refresh_token, expiresAt: o.expires_at, tokens });
    return tokens;
  }

  const load = async (accountId: string): Promise<OAuthTokens | undefined> => {
    const account = findAccount(config(), accountId);
    const own = ownWrites.get(accountId);
    const sealed = account.oauth?.access_token;
    if (own && sealed !== undefined && own.replaced.has(sealed)) return { ...own.tokens };
    // The config caught up with our write (or someone wrote newer tokens): the override has done its job.
    if (own && sealed !== undefined) ownWrites.delete(accountId);
    const tokens = decryptAccount(account);
    return tokens && { ...tokens };
  };

  return {
    load,

    async loadLatest(accountId) {
      await opts.share?.();
      return load(accountId);
    },


    async save(accountId, tokens) {
      const sealedAccess = store.cipher.encrypt(tokens.accessToken);
      const sealedRefresh = tokens.refreshToken === undefined ? undefined : store.cipher.encrypt(tokens.refreshToken);
      // update() holds the file lock and replaces the file atomically (temp file, fsync, rename): the new refresh
      // token is durable before the caller uses the new access token.
      const previous = store.update((c) => {
        const account = findAccount(c, accountId);
        const before = account.oauth?.access_token;
        const { needs_reauth: _cleared, ...rest } = account.oauth ?? {};
        account.oauth = {
          ...rest,
          access_token: sealedAccess,
          ...(sealedRefresh !== undefined ? { refresh_token: sealedRefresh } : {}),
          expires_at: expiryToText(tokens.expiresAt),
        };
        if (sealedRefresh === undefined) delete account.oauth.refresh_token;
        return before;
      });
      const own = ownWrites.get(accountId);
      const replaced = own?.replaced ?? new Set<string>();
      if (previous !== undefined) replaced.add(previous);
      if (own) replaced.add(own.sealedAccess);
      ownWrites.set(accountId, { sealedAccess, tokens: { ...tokens }, replaced });
      // The other processes can read them before the caller releases the refresh lock.
      await opts.share?.();
    },

    async markNeedsReauth(accountId, _reason) {
      store.update((c) => {
        const account = findAccount(c, accountId);
        account.oauth = { ...account.oauth, needs_reauth: true };
      });
      await opts.share?.();
    },
  };
}
