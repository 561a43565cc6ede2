/**
 * What the gateway needs from a store that several of its processes share: Redis in cluster mode
 * (redis-backend.ts), the supervisor of `server start --workers N` without Redis (src/process/worker-backend.ts),
 * or one process's memory (memory-backend.ts: the supervisor's own store, and tests).
 *
 * Every operation may fail (the store is away, slow or refusing): it then rejects soon (never later than the
 * backend's timeout), and the caller falls back to its own process's state. Nothing here is awaited where a
 * failure could stop a request: see src/state/shared-state-store.ts and src/cluster/ for the fallbacks. Keys are
 * the callers' short names; a backend puts them under its namespace. Every key a caller writes has a time to live.
 */
export interface SharedBackend {
  /** `redis`, `workers` (through the supervisor) or `memory`. */
  readonly kind: SharedBackendKind;
  /** False while the store is known to be away: callers use their local state at once instead of trying. */
  readonly up: boolean;
  /**
   * Adds `by` (0 reads) to a counter whose window starts with its first hit and lasts `windowMs`; the count and the
   * time left in the window. Atomic: one window for every process.
   */
  hit(key: string, windowMs: number, by: number): Promise<WindowCount>;
  get(key: string): Promise<string | null>;
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets the key only when it is absent: true when it did (a lock taken). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Deletes the key only while it holds `value` (a lock released by its holder, never by someone else). */
  delIfEquals(key: string, value: string): Promise<void>;
  /** A new time to live for an existing key. */
  expire(key: string, ttlMs: number): Promise<void>;
  /** Adds to floating-point counters (spend), each created with its time to live; the new values, in order. */
  addFloats(adds: readonly FloatAdd[]): Promise<number[]>;
  /** A versioned document (the configuration in cluster mode); null when there is none. */
  readDoc(key: string): Promise<SharedDoc | null>;
  /** The document's version and hash without its text (a cheap poll). */
  readDocHead(key: string): Promise<SharedDocHead | null>;
  /**
   * Writes the document when it is still at `expected` (null: only when there is none), as the next version; its
   * time to live restarts. `written` false: someone else wrote first, `head` is what is there now (null: nothing).
   */
  writeDoc(key: string, expected: DocVersion | null, text: string, hash: string, ttlMs: number): Promise<{ written: boolean; head: SharedDocHead | null }>;
  /** Sends a message to every process listening on the backend's one events channel (this one included). */
  publish(message: string): Promise<void>;
  onMessage(listener: (message: string) => void): void;
  /** Called each time the store is reachable again after being away (and after the first connection). */
  onUp(listener: () => void): void;
  status(): SharedStatus;
  close(): Promise<void>;
}

export type SharedBackendKind = "redis" | "workers" | "memory";

export interface WindowCount {
  count: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

export interface FloatAdd {
  key: string;
  by: number;
  ttlMs: number;
}

export interface DocVersion {
  /** Made when the document is first written: a store emptied and written again starts a new epoch. */
  epoch: string;
  version: number;
}

export interface SharedDocHead extends DocVersion {
  /** SHA-256 of the text, hex. */
  hash: string;
}

export interface SharedDoc extends SharedDocHead {
  text: string;
}

/** The shared state as /health and `status` show it. */
export interface SharedStatus {
  backend: SharedBackendKind;
  state: "ok" | "degraded";
  /** Why it is degraded, in a few words (no secret: the URL's password is never in it). */
  reason?: string;
  /** Epoch ms it became degraded. */
  since?: number;
}

/** Thrown (as a rejection) by an operation tried while the store is away. */
export class SharedUnavailableError extends Error {
  constructor(reason: string) {
    super(`shared state unavailable: ${reason}`);
  }
}
