import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { fetchServiceAccountToken, parseServiceAccountKey, type ServiceAccountKey } from "../oauth/service-account.ts";
import type { Clock, OAuthTokens } from "../oauth/types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";

/** A token is replaced this long before it expires (Google's last an hour). */
const REFRESH_BEFORE_MS = 5 * 60_000;

export interface ServiceAccountTokens {
  /** The account's access token: the cached one while it has more than five minutes left, else a fresh one. */
  token(account: UpstreamAccount): Promise<string> | string;
  /** After the upstream refused `failed` (401): a new token, unless another request got one already. */
  refresh(account: UpstreamAccount, failed: string): Promise<string>;
}

interface Entry {
  /** The sealed key this entry was made from: a changed key (`upstream add --force`, an edit) starts anew. */
  sealed: string;
  key: ServiceAccountKey;
  tokens?: OAuthTokens;
  /** The one token request under way for the account, shared by every caller. */
  pending?: Promise<OAuthTokens>;
}

/**
 * Access tokens of Vertex AI accounts, from their service-account keys (src/oauth/service-account.ts): kept in
 * memory per account, renewed shortly before they expire, one token request at a time per account. Nothing is
 * written anywhere: a restarted gateway signs a new assertion.
 */
export function createServiceAccountTokens(deps: { fetch: FetchFn; clock: Clock; open(sealed: string, where: string): string }): ServiceAccountTokens {
  const entries = new Map<string, Entry>();

  const entry = (account: UpstreamAccount): Entry => {
    const sealed = account.api_key;
    if (!sealed) throw new GatewayError(401, "authentication", `upstream account ${account.id} has no service account key`);
    let e = entries.get(account.id);
    if (e?.sealed === sealed) return e;
    let key: ServiceAccountKey;
    try {
      key = parseServiceAccountKey(deps.open(sealed, `upstream account ${account.id} api_key`));
    } catch (err) {
      throw new GatewayError(401, "authentication", `upstream account ${account.id}: ${(err as Error).message}`);
    }
    e = { sealed, key };
    entries.set(account.id, e);
    return e;
  };

  const renew = (e: Entry): Promise<string> => {
    e.pending ??= fetchServiceAccountToken(deps, e.key).then(
      (t) => {
        e.tokens = t;
        e.pending = undefined;
        return t;
      },
      (err) => {
        e.pending = undefined;
        throw err;
      },
    );
    return e.pending.then((t) => t.accessToken);
  };

  return {
    token(account) {
      const e = entry(account);
      if (e.tokens && e.tokens.expiresAt - deps.clock() > REFRESH_BEFORE_MS) return e.tokens.accessToken;
      return renew(e);
    },
    refresh(account, failed) {
      const e = entry(account);
      if (e.pending) return e.pending.then((t) => t.accessToken);
      if (e.tokens && e.tokens.accessToken !== failed) return Promise.resolve(e.tokens.accessToken);
      e.tokens = undefined;
      return renew(e);
    },
  };
}
