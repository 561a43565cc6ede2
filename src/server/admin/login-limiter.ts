import type { StateStore } from "../../state/types.ts";

/**
 * Sign-in attempts allowed per client address and in all, per window: a guessed key costs the guesser the window.
 * Counts attempts, right or wrong (a wrong one is answered as fast as a right one). Addresses are forgotten when
 * their window passes; past `maxClients` addresses in one window, the global limit alone holds.
 */
export interface LoginLimiter {
  /** Counts an attempt from `client`; the seconds to wait when it is over a limit (the attempt is then refused). */
  attempt(client: string): Promise<number | undefined>;
}

export const LOGIN_LIMITS = { perClient: 10, global: 60, windowMs: 60_000, maxClients: 10_000 } as const;

export function createLoginLimiter(opts: { clock: () => number; perClient?: number; global?: number; windowMs?: number }): LoginLimiter {
  const perClient = opts.perClient ?? LOGIN_LIMITS.perClient;
  const global = opts.global ?? LOGIN_LIMITS.global;
  const windowMs = opts.windowMs ?? LOGIN_LIMITS.windowMs;
  let windowStart = -Infinity;
  let total = 0;
  const byClient = new Map<string, number>();
  return {
    async attempt(client) {
      const now = opts.clock();
      if (now - windowStart >= windowMs) {
        windowStart = now;
        total = 0;
        byClient.clear();
      }
      const wait = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
      if (total >= global) return wait;
      const n = byClient.get(client) ?? 0;
      if (n >= perClient) return wait;
      total++;
      if (byClient.size < LOGIN_LIMITS.maxClients || byClient.has(client)) byClient.set(client, n + 1);
      return undefined;
    },
  };
}

/**
 * The same limits in a state store's windows (shared between gateway processes in cluster mode and with workers,
 * so N instances do not allow N times the guesses). Every attempt counts, refused ones too. Addresses are keys with
 * a time to live in the store: nothing to bound here.
 */
export function createStateLoginLimiter(opts: { state: StateStore; clock: () => number; perClient?: number; global?: number; windowMs?: number }): LoginLimiter {
  const perClient = opts.perClient ?? LOGIN_LIMITS.perClient;
  const global = opts.global ?? LOGIN_LIMITS.global;
  const windowMs = opts.windowMs ?? LOGIN_LIMITS.windowMs;
  const wait = (resetAt: number) => Math.max(1, Math.ceil((resetAt - opts.clock()) / 1000));
  return {
    async attempt(client) {
      const all = await opts.state.hit("login:all", windowMs);
      if (all.count > global) return wait(all.resetAt);
      const mine = await opts.state.hit(`login:ip:${client}`, windowMs);
      if (mine.count > perClient) return wait(mine.resetAt);
      return undefined;
    },
  };
}
