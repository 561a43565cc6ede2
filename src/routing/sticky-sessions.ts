/**
 * Session key → account id, so one conversation stays on one account while it is healthy and the
 * provider's prompt cache stays warm. Idle bindings expire; the oldest are dropped beyond the size cap
 * (a Map iterates in insertion order, and every use re-inserts, so the first entry is the least recent).
 */
export interface StickySessions {
  get(key: string): string | undefined;
  /** Binds (or refreshes) the session; true when it was unbound or bound to another account before. */
  set(key: string, accountId: string): boolean;
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
      if (deps.maxEntries <= 0 || deps.ttlMs <= 0) return false;
      const now = deps.clock();
      const before = entries.get(key);
      const changed = before === undefined || before.accountId !== accountId || before.expiresAt <= now;
      entries.delete(key);
      entries.set(key, { accountId, expiresAt: now + deps.ttlMs });
      while (entries.size > deps.maxEntries) entries.delete(entries.keys().next().value as string);
      return changed;
    },
    dropAccount(accountId) {
      for (const [k, e] of entries) if (e.accountId === accountId) entries.delete(k);
    },
    get size() {
      return entries.size;
    },
  };
}
