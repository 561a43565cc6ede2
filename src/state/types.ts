/**
 * Runtime state shared by every request: the gateway keys' rate-limit windows (requests and tokens per minute) and
 * the OAuth refresh locks.
 * Account health (breakers, cooldowns, auth failures) is not kept here: the router's HealthRegistry holds it in
 * the process's memory. One small interface so a shared backend (Redis) can stand in for the in-process one
 * when several gateway instances must agree; methods are async for that reason, and the memory backend answers
 * with already-resolved promises.
 */
export interface StateStore {
  /**
   * Adds `by` (default 1) to `key` in the current fixed window of `windowMs` and returns the count and when the
   * window ends. `by` 0 reads the count without adding (a token limit is checked before a request, settled after).
   */
  hit(key: string, windowMs: number, by?: number): Promise<{ count: number; resetAt: number }>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Takes a lock held for at most `ttlMs`; resolves to a release function, or undefined when someone else holds it. */
  tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
}
