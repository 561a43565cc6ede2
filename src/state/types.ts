/**
 * Runtime state shared by every request (rate-limit counters, breaker and cooldown state, OAuth refresh
 * locks). One small interface, two backends: in-process memory (default) and, later, Redis so several
 * gateway instances share it. Methods are async so the Redis backend fits; the memory backend answers
 * with already-resolved promises.
 */
export interface StateStore {
  /** Adds one hit to `key` in the current fixed window of `windowMs` and returns the count and when the window ends. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Takes a lock held for at most `ttlMs`; resolves to a release function, or undefined when someone else holds it. */
  tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
}
