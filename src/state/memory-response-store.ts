import type { ResponseStore, StoredResponse } from "./response-store.ts";

export interface MemoryResponseStoreOptions {
  /** At most this many responses are kept; the least recently used go first. */
  maxEntries: number;
  /** At most this many characters of JSON (responses and conversations) are kept. */
  maxChars: number;
  /** A response is forgotten this long after it was stored. */
  ttlMs: number;
  clock?: () => number;
}

/**
 * Defaults: a conversation record holds the whole conversation so far (a follow-up needs one look-up, and an
 * evicted ancestor breaks nothing), so the budget is in characters, not only in entries.
 */
export const DEFAULT_RESPONSE_STORE: MemoryResponseStoreOptions = { maxEntries: 10_000, maxChars: 64 * 1024 * 1024, ttlMs: 6 * 3600_000 };

interface Entry {
  record: StoredResponse;
  size: number;
  expiresAt: number;
}

/**
 * In-process ResponseStore: a least-recently-used map bounded in entries and characters, each entry with a time
 * to live. A record larger than an eighth of the budget is not kept (it would evict many others at once); its
 * follow-ups get the same "not found" as an expired one.
 */
export function createMemoryResponseStore(opts: MemoryResponseStoreOptions = DEFAULT_RESPONSE_STORE): ResponseStore {
  const clock = opts.clock ?? Date.now;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry>();
  /** Output item id → response id. */
  const items = new Map<string, string>();
  let chars = 0;
  let sweepAt = 0;

  const remove = (id: string, e: Entry) => {
    entries.delete(id);
    chars -= e.size;
    for (const itemId of e.record.itemIds) if (items.get(itemId) === id) items.delete(itemId);
  };
  const live = (id: string, owner: string): Entry | undefined => {
    const e = entries.get(id);
    if (!e) return undefined;
    if (e.expiresAt <= clock()) {
      remove(id, e);
      return undefined;
    }
    if (e.record.owner !== owner) return undefined;
    entries.delete(id);
    entries.set(id, e);
    return e;
  };

  return {
    async put(record) {
      const size = record.response.length + record.items.length;
      if (size > opts.maxChars / 8) return;
      const old = entries.get(record.id);
      if (old) remove(record.id, old);
      const now = clock();
      // Expired entries go in a sweep at most once a minute (a look-up drops an expired entry it meets); then the
      // least recently used, until the new one fits.
      if (now >= sweepAt) {
        sweepAt = now + 60_000;
        for (const [id, e] of entries) if (e.expiresAt <= now) remove(id, e);
      }
      for (const [id, e] of entries) {
        if (entries.size < opts.maxEntries && chars + size <= opts.maxChars) break;
        remove(id, e);
      }
      entries.set(record.id, { record, size, expiresAt: now + opts.ttlMs });
      chars += size;
      for (const itemId of record.itemIds) items.set(itemId, record.id);
    },
    async get(owner, id) {
      return live(id, owner)?.record;
    },
    async item(owner, itemId) {
      const id = items.get(itemId);
      const e = id === undefined ? undefined : live(id, owner);
      if (!e) return undefined;
      const all = JSON.parse(e.record.items) as { id?: unknown }[];
      return all.findLast((it) => it?.id === itemId);
    },
    async delete(owner, id) {
      const e = live(id, owner);
      if (!e) return false;
      remove(id, e);
      return true;
    },
  };
}
