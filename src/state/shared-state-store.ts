import type { SharedBackend } from "./shared-backend.ts";
import type { StateStore } from "./types.ts";

/**
 * A StateStore whose windows, values and locks live in a shared backend (Redis, or the workers' supervisor), with
 * this process's own store under it: whenever the backend is away or fails, the operation is answered from the local
 * store instead, so a request is never refused because the shared state is. Meanwhile the limits count per process
 * (N instances allow up to N times a key's limit) and a lock excludes this process's other callers only; both are
 * shared again as soon as the backend answers. One round trip per operation: a rate-limit check is one script call.
 */
export function createSharedStateStore(deps: { backend: SharedBackend; local: StateStore; clock: () => number }): StateStore {
  const { backend, local, clock } = deps;
  return {
    async hit(key, windowMs, by = 1) {
      if (backend.up) {
        try {
          const w = await backend.hit(key, windowMs, by);
          return { count: w.count, resetAt: clock() + w.ttlMs };
        } catch {
          // fall through to this process's window
        }
      }
      return local.hit(key, windowMs, by);
    },
    async get(key) {
      if (backend.up) {
        try {
          return (await backend.get(`kv:${key}`)) ?? undefined;
        } catch {
          // local
        }
      }
      return local.get(key);
    },
    async set(key, value, ttlMs) {
      // Kept here too: read back from here while the backend is away.
      await local.set(key, value, ttlMs);
      // A value must expire in the shared store: a day when the caller gives no time to live.
      if (backend.up) await backend.set(`kv:${key}`, value, ttlMs ?? 86_400_000).catch(() => undefined);
    },
    async delete(key) {
      await local.delete(key);
      if (backend.up) await backend.del(`kv:${key}`).catch(() => undefined);
    },
    async tryLock(key, ttlMs) {
      if (backend.up) {
        const token = crypto.randomUUID();
        const lockKey = `lock:${key}`;
        let taken: boolean | undefined;
        try {
          taken = await backend.setIfAbsent(lockKey, token, ttlMs);
        } catch {
          taken = undefined;
        }
        if (taken === false) return undefined;
        if (taken) {
          // If the release fails, the lock ends with its time to live.
          return () => backend.delIfEquals(lockKey, token).catch(() => undefined);
        }
      }
      return local.tryLock(key, ttlMs);
    },
    async close() {
      await local.close();
    },
  };
}
