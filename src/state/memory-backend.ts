import type { DocVersion, SharedBackend, SharedDoc, WindowCount } from "./shared-backend.ts";

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * A SharedBackend in one process's memory, with Redis's semantics (windows from their first hit, expiring keys,
 * versioned documents, a fan-out channel). The supervisor of `server start --workers N` serves it to its workers
 * when there is no Redis (src/process/worker-backend.ts); tests use it as the shared store of several in-process
 * gateways. It never fails. Expired keys are dropped when met and in a sweep at most once a minute.
 */
export function createMemoryBackend(opts: { clock?: () => number } = {}): SharedBackend & { readonly size: number } {
  const clock = opts.clock ?? Date.now;
  const values = new Map<string, Entry>();
  const listeners: ((message: string) => void)[] = [];
  let sweepAt = 0;

  const sweep = (now: number) => {
    if (now < sweepAt) return;
    sweepAt = now + 60_000;
    for (const [k, e] of values) if (e.expiresAt <= now) values.delete(k);
  };
  const live = (key: string, now: number): Entry | undefined => {
    const e = values.get(key);
    if (e && e.expiresAt <= now) {
      values.delete(key);
      return undefined;
    }
    return e;
  };
  const put = (key: string, value: string, ttlMs: number, now: number) => {
    sweep(now);
    values.set(key, { value, expiresAt: now + ttlMs });
  };
  const docs = new Map<string, SharedDoc & { expiresAt: number }>();
  const liveDoc = (key: string, now: number) => {
    const d = docs.get(key);
    if (d && d.expiresAt <= now) {
      docs.delete(key);
      return undefined;
    }
    return d;
  };

  return {
    kind: "memory",
    up: true,
    async hit(key, windowMs, by): Promise<WindowCount> {
      const now = clock();
      let e = live(key, now);
      if (!e) {
        put(key, "0", windowMs, now);
        e = values.get(key)!;
      }
      const count = Number(e.value) + by;
      e.value = String(count);
      return { count, ttlMs: e.expiresAt - now };
    },
    async get(key) {
      return live(key, clock())?.value ?? null;
    },
    async mget(keys) {
      const now = clock();
      return keys.map((k) => live(k, now)?.value ?? null);
    },
    async set(key, value, ttlMs) {
      put(key, value, ttlMs, clock());
    },
    async setIfAbsent(key, value, ttlMs) {
      const now = clock();
      if (live(key, now)) return false;
      put(key, value, ttlMs, now);
      return true;
    },
    async del(key) {
      values.delete(key);
    },
    async delIfEquals(key, value) {
      if (live(key, clock())?.value === value) values.delete(key);
    },
    async expire(key, ttlMs) {
      const now = clock();
      const e = live(key, now);
      if (e) e.expiresAt = now + ttlMs;
    },
    async addFloats(adds) {
      const now = clock();
      return adds.map((a) => {
        const e = live(a.key, now);
        const next = (e ? Number(e.value) : 0) + a.by;
        if (e) e.value = String(next);
        else put(a.key, String(next), a.ttlMs, now);
        return next;
      });
    },
    async readDoc(key) {
      const d = liveDoc(key, clock());
      return d ? { epoch: d.epoch, version: d.version, hash: d.hash, text: d.text } : null;
    },
    async readDocHead(key) {
      const d = liveDoc(key, clock());
      return d ? { epoch: d.epoch, version: d.version, hash: d.hash } : null;
    },
    async writeDoc(key, expected: DocVersion | null, text, hash, ttlMs) {
      const now = clock();
      const d = liveDoc(key, now);
      const head = d ? { epoch: d.epoch, version: d.version, hash: d.hash } : null;
      const matches = expected === null ? d === undefined : d !== undefined && d.epoch === expected.epoch && d.version === expected.version;
      if (!matches) return { written: false, head };
      const next = { epoch: d?.epoch ?? crypto.randomUUID(), version: (d?.version ?? 0) + 1, hash, text, expiresAt: now + ttlMs };
      docs.set(key, next);
      return { written: true, head: { epoch: next.epoch, version: next.version, hash } };
    },
    async publish(message) {
      // Delivered after the caller's turn, as a message from Redis would be.
      queueMicrotask(() => {
        for (const l of listeners) l(message);
      });
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    onUp(listener) {
      queueMicrotask(listener);
    },
    status: () => ({ backend: "memory", state: "ok" }),
    async close() {
      values.clear();
      docs.clear();
    },
    get size() {
      return values.size + docs.size;
    },
  };
}
