import { GatewayError } from "../errors.ts";
import type { StateStore } from "../state/types.ts";
import { resolveOAuthClient } from "./defaults.ts";
import { OAuthError, OAuthReauthRequiredError } from "./oauth-error.ts";
import { refreshTokens } from "./refresh-token.ts";
import type { Clock, OAuthAccountRef, OAuthClientConfig, OAuthTokens, Sleep } from "./types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";

/**
 * Where tokens live. The config store implements it (encrypting at rest); the manager only sees plaintext.
 * `load` runs on every upstream request, so it should be cheap (e.g. decrypt once per ciphertext).
 */
export interface TokenPersistence {
  load(accountId: string): Promise<OAuthTokens | undefined>;
  /**
   * The tokens as the latest writer left them, whichever gateway process it was (several processes share the
   * tokens: see config-persistence.ts). Read under the refresh lock and while waiting for another holder of it.
   * Default: load.
   */
  loadLatest?(accountId: string): Promise<OAuthTokens | undefined>;
  /** Must be durable (atomic write) when it resolves: the old refresh token is already spent. */
  save(accountId: string, tokens: OAuthTokens): Promise<void>;
  /** Sets `needs_reauth`; keeps the account, its tokens and its history. */
  markNeedsReauth(accountId: string, reason: string): Promise<void>;
}

export interface IntervalTimer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Observability without secrets: no event carries token material. */
export type TokenManagerEvent =
  | { type: "refreshed"; accountId: string; expiresAt: number; rotated: boolean }
  | { type: "refresh_failed"; accountId: string; message: string }
  | { type: "needs_reauth"; accountId: string; reason: string }
  | { type: "lock_wait"; accountId: string };

export interface TokenManagerOptions {
  fetch: FetchFn;
  clock: Clock;
  persistence: TokenPersistence;
  /** Shared state; its `tryLock` serialises refreshes of one account across gateway instances. */
  store: StateStore;
  /** Refresh when less than this is left. Default 5 minutes, the margin of the Go gateway this project replaces. */
  marginMs?: number;
  /** How long a refresh lock may be held. Default 30 s; the refresh call itself times out at 2/3 of it. */
  lockTtlMs?: number;
  /** How often a waiter re-reads the tokens while another instance holds the lock. Default 250 ms. */
  lockPollMs?: number;
  /** Longest a waiter waits for another instance before giving up. Default 2 × lockTtlMs. */
  lockWaitMs?: number;
  /** After a failed refresh, a still-valid token is used without retrying the refresh for this long. Default 30 s. */
  failureBackoffMs?: number;
  /** Waits between lock polls. Default: a real timer; tests inject one that never waits on time. */
  sleep?: Sleep;
  /** Drives the background refresher. Default: global setInterval (unref'd). */
  timer?: IntervalTimer;
  /** Background tick. Default 60 s. */
  backgroundIntervalMs?: number;
  /** Default: resolveOAuthClient (provider defaults + the account's overrides). */
  resolveClient?: (account: OAuthAccountRef) => OAuthClientConfig;
  onEvent?: (event: TokenManagerEvent) => void;
}

export interface TokenManager {
  /** A usable access token, refreshed first when inside the margin. Throws OAuthReauthRequiredError when a login is needed. */
  getAccessToken(account: OAuthAccountRef): Promise<string>;
  /** Refreshes now (unless someone refreshed since this call began) and returns the new expiry. No tokens returned. */
  refreshNow(account: OAuthAccountRef): Promise<{ expiresAt: number }>;
  /** After the upstream answered 401 to `failedToken`: refreshes once, unless someone already replaced that token. */
  onUnauthorized(account: OAuthAccountRef, failedToken: string): Promise<string>;
  /** One background pass: refreshes every account that will enter the margin before the next tick. */
  refreshDue(accounts: Iterable<OAuthAccountRef>): Promise<void>;
  startBackground(getAccounts: () => Iterable<OAuthAccountRef>): void;
  /** Stops the background timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

const label = (a: OAuthAccountRef) => (a.name ? `"${a.name}" (${a.id})` : a.id);

export function createTokenManager(opts: TokenManagerOptions): TokenManager {
  const { fetch, clock, persistence, store } = opts;
  const marginMs = opts.marginMs ?? 5 * 60_000;
  const lockTtlMs = opts.lockTtlMs ?? 30_000;
  const lockPollMs = opts.lockPollMs ?? 250;
  const lockWaitMs = opts.lockWaitMs ?? 2 * lockTtlMs;
  const failureBackoffMs = opts.failureBackoffMs ?? 30_000;
  const intervalMs = opts.backgroundIntervalMs ?? 60_000;
  const sleep: Sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const timer: IntervalTimer = opts.timer ?? {
    setInterval: (fn, ms) => {
      const h = setInterval(fn, ms);
      (h as { unref?: () => void }).unref?.();
      return h;
    },
    clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
  };
  const resolveClient = opts.resolveClient ?? resolveOAuthClient;

  /** One refresh per account in this process; everyone asking meanwhile shares its result. */
  const inflight = new Map<string, Promise<OAuthTokens>>();
  /** Refresh tokens the server rejected with invalid_grant: never sent again (a new login replaces them). */
  const deadRefreshTokens = new Map<string, string>();
  /** When a refresh last failed for a passing reason, per account. */
  const failedAt = new Map<string, number>();

  let handle: unknown;
  let running: Promise<void> | undefined;

  const emit = (e: TokenManagerEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // An observer's bug must not break token handling.
    }
  };

  const inMargin = (t: OAuthTokens, margin = marginMs) => t.expiresAt - clock() <= margin;

  const noTokens = (a: OAuthAccountRef) =>
    new GatewayError(401, "authentication", `upstream account ${label(a)} has no OAuth tokens; run: oauth start ${a.id}`, {
      retryable: false,
    });

  async function loadOrThrow(a: OAuthAccountRef): Promise<OAuthTokens> {
    const t = await persistence.load(a.id);
    if (!t) throw noTokens(a);
    return t;
  }

  const loadLatest = (id: string) => (persistence.loadLatest ? persistence.loadLatest(id) : persistence.load(id));

  async function needsReauth(a: OAuthAccountRef, reason: string, cause?: unknown): Promise<never> {
    await persistence.markNeedsReauth(a.id, reason);
    emit({ type: "needs_reauth", accountId: a.id, reason });
    throw new OAuthReauthRequiredError(a.id, label(a), reason, cause);
  }

  /** Runs under the lock, with tokens just read from persistence (so the refresh token is the latest one). */
  async function refreshWith(a: OAuthAccountRef, current: OAuthTokens): Promise<OAuthTokens> {
    const used = current.refreshToken;
    if (!used) {
      // Long-lived tokens (setup-token) have nothing to refresh: use them until they really expire.
      if (current.expiresAt > clock()) return current;
      return needsReauth(a, "the access token expired and there is no refresh token");
    }
    if (deadRefreshTokens.get(a.id) === used) {
      throw new OAuthReauthRequiredError(a.id, label(a), "refresh token was rejected earlier");
    }
    let next: OAuthTokens;
    try {
      next = await refreshTokens({
        fetch,
        clock,
        client: resolveClient(a),
        refreshToken: used,
        timeoutMs: Math.floor((lockTtlMs * 2) / 3),
      });
    } catch (e) {
      if (e instanceof OAuthError && e.oauthError === "invalid_grant") {
        // A writer outside the lock (a CLI login, an instance on another store) may have rotated it meanwhile.
        const latest = await loadLatest(a.id);
        if (latest?.refreshToken && latest.refreshToken !== used) return latest;
        deadRefreshTokens.set(a.id, used);
        return needsReauth(a, "refresh token rejected (invalid_grant)", e);
      }
      failedAt.set(a.id, clock());
      emit({ type: "refresh_failed", accountId: a.id, message: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    // The old refresh token is spent: persist the new pair before any request may use the new access token.
    await persistence.save(a.id, next);
    failedAt.delete(a.id);
    deadRefreshTokens.delete(a.id);
    emit({ type: "refreshed", accountId: a.id, expiresAt: next.expiresAt, rotated: next.refreshToken !== used });
    return next;
  }

  /**
   * Cross-instance part: take the store lock, re-read, refresh if still `stale`. When another instance holds the
   * lock, re-read the tokens every lockPollMs until they are no longer stale (it refreshed) or the lock frees.
   */
  async function refreshLocked(a: OAuthAccountRef, stale: (t: OAuthTokens) => boolean): Promise<OAuthTokens> {
    const key = `oauth-refresh:${a.id}`;
    const deadline = clock() + lockWaitMs;
    for (;;) {
      const release = await store.tryLock(key, lockTtlMs);
      if (release) {
        try {
          // The latest tokens, whoever wrote them: another process may have refreshed just before our lock.
          const current = await loadLatest(a.id);
          if (!current) throw noTokens(a);
          if (!stale(current)) return current;
          return await refreshWith(a, current);
        } finally {
          // If release fails the lock still ends with its TTL.
          await release().catch(() => undefined);
        }
      }
      emit({ type: "lock_wait", accountId: a.id });
      if (clock() >= deadline) {
        throw new GatewayError(503, "unavailable", `OAuth refresh of upstream account ${label(a)} is held elsewhere for too long`, {
          retryable: true,
        });
      }
      await sleep(lockPollMs);
      const current = await loadLatest(a.id);
      if (current && !stale(current)) return current;
    }
  }

  function refreshShared(a: OAuthAccountRef, stale: (t: OAuthTokens) => boolean): Promise<OAuthTokens> {
    const existing = inflight.get(a.id);
    if (existing) return existing;
    const p = refreshLocked(a, stale).finally(() => inflight.delete(a.id));
    inflight.set(a.id, p);
    return p;
  }

  async function getAccessToken(a: OAuthAccountRef): Promise<string> {
    if (a.oauth?.needs_reauth) throw new OAuthReauthRequiredError(a.id, label(a), "marked as needing a new login");
    const tokens = await loadOrThrow(a);
    if (!inMargin(tokens)) return tokens.accessToken;
    const valid = tokens.expiresAt > clock();
    const lastFailure = failedAt.get(a.id);
    if (valid && lastFailure !== undefined && clock() - lastFailure < failureBackoffMs) return tokens.accessToken;
    try {
      return (await refreshShared(a, (t) => inMargin(t))).accessToken;
    } catch (e) {
      // A refresh that failed for a passing reason must not take down a token that still works.
      if (valid && !(e instanceof OAuthReauthRequiredError)) return tokens.accessToken;
      throw e;
    }
  }

  async function onUnauthorized(a: OAuthAccountRef, failedToken: string): Promise<string> {
    const replaced = (t: OAuthTokens) => t.accessToken !== failedToken;
    let t = await refreshShared(a, (cur) => !replaced(cur));
    // Joined a refresh that judged the token fresh by its expiry, though the upstream has revoked it: refresh once more.
    if (!replaced(t)) t = await refreshShared(a, (cur) => !replaced(cur));
    return t.accessToken;
  }

  async function refreshDue(accounts: Iterable<OAuthAccountRef>): Promise<void> {
    // Refresh one tick ahead of the margin so requests never wait for a refresh.
    const ahead = marginMs + intervalMs;
    const jobs: Promise<unknown>[] = [];
    for (const a of accounts) {
      if (a.type === "api-key" || a.status === "disabled" || a.oauth?.needs_reauth) continue;
      jobs.push(
        (async () => {
          const t = await persistence.load(a.id);
          if (!t?.refreshToken || !inMargin(t, ahead)) return;
          await refreshShared(a, (cur) => inMargin(cur, ahead));
        })().catch((e) => {
          // refreshWith already reported refresh failures; this catches load/lock errors.
          if (!(e instanceof OAuthError) && !(e instanceof OAuthReauthRequiredError)) {
            emit({ type: "refresh_failed", accountId: a.id, message: e instanceof Error ? e.message : String(e) });
          }
        }),
      );
    }
    await Promise.all(jobs);
  }

  return {
    getAccessToken,
    async refreshNow(a) {
      const before = await loadOrThrow(a);
      const t = await refreshShared(a, (cur) => cur.accessToken === before.accessToken);
      return { expiresAt: t.expiresAt };
    },
    onUnauthorized,
    refreshDue,
    startBackground(getAccounts) {
      if (handle !== undefined) return;
      const tick = () => {
        if (running) return;
        running = refreshDue(getAccounts()).finally(() => {
          running = undefined;
        });
      };
      handle = timer.setInterval(tick, intervalMs);
      tick();
    },
    async stop() {
      if (handle !== undefined) timer.clearInterval(handle);
      handle = undefined;
      await running;
    },
  };
}
