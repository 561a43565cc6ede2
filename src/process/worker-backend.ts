import { createDeadlines, TIMED_OUT } from "../state/op-deadline.ts";
import { SharedUnavailableError, type SharedBackend, type SharedStatus } from "../state/shared-backend.ts";

/**
 * The workers of `server start --workers N` without Redis share their state through their supervisor: it holds one
 * memory backend (src/state/memory-backend.ts) and answers each worker's operations over Bun's IPC channel (JSON
 * messages); the events channel fans out to every worker. One process owns the counters, so a key's limit is exact
 * across workers, and an operation costs one IPC round trip (bench/README.md). Why not SQLite or a file: a rate limit
 * would then cost a write transaction with the workers contending for one lock, and health news would need polling.
 */

/** The operations a worker may ask for: exactly the SharedBackend's data methods. */
const OPERATIONS = ["hit", "get", "mget", "set", "setIfAbsent", "del", "delIfEquals", "expire", "addFloats", "readDoc", "readDocHead", "writeDoc", "publish"] as const;
type Operation = (typeof OPERATIONS)[number];
const ALLOWED = new Set<string>(OPERATIONS);

/** Worker → supervisor: an operation (`i` numbers it), or a plain notice (`t`). */
export type WorkerMessage = { i: number; op: Operation; a: unknown[] } | { t: "ready"; url: string; pid: number };
/** Supervisor → worker: an operation's result (`r`) or error (`e`), or a message of the events channel (`m`). */
export type SupervisorMessage = { i: number; r?: unknown; e?: string } | { m: string };

/** What the worker side needs of its process (process.send / process.on in a worker; a stand-in in tests). */
export interface WorkerChannel {
  send(message: WorkerMessage): void;
  onMessage(listener: (message: SupervisorMessage) => void): void;
  onDisconnect(listener: () => void): void;
  readonly connected: boolean;
}

/** The worker process's own IPC channel to its supervisor. */
export function processChannel(proc: NodeJS.Process = process): WorkerChannel {
  return {
    send: (m) => void proc.send?.(m),
    onMessage: (l) => void proc.on("message", (m) => l(m as SupervisorMessage)),
    onDisconnect: (l) => void proc.on("disconnect", l),
    get connected() {
      return proc.connected === true;
    },
  };
}

/** A SharedBackend for a worker: each operation one message to the supervisor and its answer. */
export function createWorkerBackend(channel: WorkerChannel, opts: { timeoutMs: number; clock?: () => number }): SharedBackend {
  const clock = opts.clock ?? Date.now;
  const deadline = createDeadlines(opts.timeoutMs);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners: ((m: string) => void)[] = [];
  let next = 0;
  let gone: { since: number } | undefined = channel.connected ? undefined : { since: clock() };

  channel.onMessage((msg) => {
    if ("m" in msg) {
      for (const l of listeners) l(msg.m);
      return;
    }
    const p = pending.get(msg.i);
    if (!p) return;
    pending.delete(msg.i);
    if (msg.e !== undefined) p.reject(new Error(msg.e));
    else p.resolve(msg.r);
  });
  channel.onDisconnect(() => {
    gone = { since: clock() };
    for (const p of pending.values()) p.reject(new SharedUnavailableError("the supervisor is gone"));
    pending.clear();
  });

  const call = async <T>(op: Operation, ...a: unknown[]): Promise<T> => {
    if (gone) throw new SharedUnavailableError("the supervisor is gone");
    const i = ++next;
    const answer = new Promise<unknown>((resolve, reject) => pending.set(i, { resolve, reject }));
    channel.send({ i, op, a });
    const r = await Promise.race([answer, deadline()]);
    if (r === TIMED_OUT) {
      pending.delete(i);
      throw new SharedUnavailableError(`the supervisor did not answer within ${opts.timeoutMs} ms`);
    }
    return r as T;
  };

  return {
    kind: "workers",
    get up() {
      return gone === undefined;
    },
    hit: (key, windowMs, by) => call("hit", key, windowMs, by),
    get: (key) => call("get", key),
    mget: (keys) => call("mget", keys),
    set: (key, value, ttlMs) => call("set", key, value, ttlMs),
    setIfAbsent: (key, value, ttlMs) => call("setIfAbsent", key, value, ttlMs),
    del: (key) => call("del", key),
    delIfEquals: (key, value) => call("delIfEquals", key, value),
    expire: (key, ttlMs) => call("expire", key, ttlMs),
    addFloats: (adds) => call("addFloats", adds),
    readDoc: (key) => call("readDoc", key),
    readDocHead: (key) => call("readDocHead", key),
    writeDoc: (key, expected, text, hash, ttlMs) => call("writeDoc", key, expected, text, hash, ttlMs),
    publish: (message) => call("publish", message),
    onMessage(listener) {
      listeners.push(listener);
    },
    onUp(listener) {
      if (!gone) queueMicrotask(listener);
    },
    status(): SharedStatus {
      return gone ? { backend: "workers", state: "degraded", reason: "the supervisor is gone", since: gone.since } : { backend: "workers", state: "ok" };
    },
    async close() {
      gone ??= { since: clock() };
    },
  };
}

/**
 * The supervisor's side for one worker: runs the worker's operations on the supervisor's backend and sends the
 * answers back. Messages of the events channel are forwarded to every worker by the supervisor (supervisor.ts).
 */
export function serveWorkerOperation(backend: SharedBackend, msg: { i: number; op: string; a: unknown[] }, reply: (m: SupervisorMessage) => void): void {
  if (!ALLOWED.has(msg.op) || !Array.isArray(msg.a)) return reply({ i: msg.i, e: `unknown operation ${String(msg.op).slice(0, 40)}` });
  const fn = backend[msg.op as Operation] as (...a: unknown[]) => Promise<unknown>;
  fn.apply(backend, msg.a).then(
    (r) => reply({ i: msg.i, r: r === undefined ? null : r }),
    (e) => reply({ i: msg.i, e: e instanceof Error ? e.message : String(e) }),
  );
}
