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

/** One operation: its number, name and arguments. */
export type OperationCall = [i: number, op: Operation, args: unknown[]];
/** One answer: the operation's number, then its result, or null and an error message. */
export type OperationAnswer = [i: number, result: unknown] | [i: number, result: null, error: string];
/**
 * Worker → supervisor: the operations asked within one turn of the event loop (`ops`), or a plain notice (`t`).
 * Operations travel in batches: under load many requests ask in the same turn, and one message (one JSON text, one
 * write) carries them all.
 */
export type WorkerMessage = { ops: OperationCall[] } | { t: "ready"; url: string; pid: number };
/** Supervisor → worker: answers, batched the same way (`rs`), or a message of the events channel (`m`). */
export type SupervisorMessage = { rs: OperationAnswer[] } | { m: string };

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
  let outbox: OperationCall[] = [];
  const sendOutbox = () => {
    const ops = outbox;
    outbox = [];
    if (!gone) channel.send({ ops });
  };

  channel.onMessage((msg) => {
    if ("m" in msg) {
      for (const l of listeners) l(msg.m);
      return;
    }
    for (const [i, r, e] of msg.rs) {
      const p = pending.get(i);
      if (!p) continue;
      pending.delete(i);
      if (e !== undefined) p.reject(new Error(e));
      else p.resolve(r);
    }
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
    if (outbox.push([i, op, a]) === 1) setImmediate(sendOutbox);
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
 * answers back, those ready in the same turn in one message. Messages of the events channel are forwarded to every
 * worker by the supervisor (supervisor.ts).
 */
export function createOperationServer(backend: SharedBackend, reply: (m: SupervisorMessage) => void): (ops: OperationCall[]) => void {
  let answers: OperationAnswer[] = [];
  const answer = (a: OperationAnswer) => {
    if (answers.push(a) === 1) {
      setImmediate(() => {
        const rs = answers;
        answers = [];
        reply({ rs });
      });
    }
  };
  return (ops) => {
    for (const call of ops) {
      const [i, op, args] = call;
      if (!ALLOWED.has(op) || !Array.isArray(args)) {
        answer([i, null, `unknown operation ${String(op).slice(0, 40)}`]);
        continue;
      }
      const fn = backend[op] as (...a: unknown[]) => Promise<unknown>;
      fn.apply(backend, args).then(
        (r) => answer([i, r === undefined ? null : r]),
        (e) => answer([i, null, e instanceof Error ? e.message : String(e)]),
      );
    }
  };
}
