import type { StateStore } from "./types.ts";

interface Entry { value: string; expiresAt: number }

/** In-process StateStore: the default when no shared store is configured. */
export function createMemoryStore(clock: () => number = Date.now): StateStore {
  const values = new Map<string, Entry>();
  const windows = new Map<string, { count: number; resetAt: number }>();
  let sweepAt = 0;

  // Expired windows are dropped in batches so the map cannot grow without bound.
  const sweep = (now: number) => {
    if (now < sweepAt) return;
    sweepAt = now + 60_000;
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
    for (const [k, e] of values) if (e.expiresAt <= now) values.delete(k);
  };

  const read = (key: string, now: number) => {
    const e = values.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      values.delete(key);
      return undefined;
    }
    return e.value;
  };

  return {
    async hit(key, windowMs, by = 1) {
      const now = clock();
      sweep(now);
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now - (now % windowMs) + windowMs };
        windows.set(key, w);
      }
      w.count += by;
      return { count: w.count, resetAt: w.resetAt };
    },
    async get(key) {
      return read(key, clock());
    },
    async set(key, value, ttlMs) {
      values.set(key, { value, expiresAt: ttlMs ? clock() + ttlMs : Number.POSITIVE_INFINITY });
    },
    async delete(key) {
      values.delete(key);
    },
    async tryLock(key, ttlMs) {
      const now = clock();
      const lockKey = `lock:${key}`;
      if (read(lockKey, now) !== undefined) return undefined;
      const token = crypto.randomUUID();
      values.set(lockKey, { value: token, expiresAt: now + ttlMs });
      return async () => {
        if (values.get(lockKey)?.value === token) values.delete(lockKey);
      };
    },
    async close() {
      values.clear();
      windows.clear();
    },
  };
}
