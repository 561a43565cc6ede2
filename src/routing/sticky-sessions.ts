/**
 * Session key → account id, so one conversation stays on one account while it is healthy and the
 * provider's prompt cache stays warm. Idle bindings expire; the oldest are dropped beyond the size cap
 * (a Map iterates in insertion order, and every use re-inserts, so the first entry is the least recent).
 */
export interface StickySessions {
  get(key: string): string | undefined;
  set(key: string, accountId: string): void;
  /** Drops every binding to an account (removed or failing). */
  dropAccount(accountId: string): void;
  readonly size: number;
}

export function createStickySessions(deps: { clock: () => number; ttlMs: number; maxEntries: number }): StickySessions {
  const entries = new Map<string, { accountId: string; expiresAt: number }>();
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expiresAt <= deps.clock()) {
        entries.delete(key);
        return undefined;
      }
      return e.accountId;
    },
    set(key, accountId) {
      if (deps.maxEntries <= 0 || deps.ttlMs <= 0) return;
      entries.delete(key);
      entries.set(key, { accountId, expiresAt: deps.clock() + deps.ttlMs });
      while (entries.size > deps.maxEntries) entries.delete(entries.keys().next().value as string);
    },
    dropAccount(accountId) {
      for (const [k, e] of entries) if (e.accountId === accountId) entries.delete(k);
    },
    get size() {
      return entries.size;
    },
  };
}
