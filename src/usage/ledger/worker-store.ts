import type { LedgerStore, LedgerTarget, PruneResult, SqlStoreOptions } from "./sql-store.ts";
import type { UsageReport } from "./usage-report.ts";
import { packRows } from "./usage-row.ts";
import type { WorkerError, WorkerReply, WorkerRequest } from "./worker-protocol.ts";

type Op = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/**
 * Where the worker's code is. Run from source: the file beside this one. In the compiled binary, import.meta.url
 * still names the source file (which need not exist there), so the copy build.ts embeds as an entrypoint of its
 * own is named instead, by its path under src/ in Bun's virtual /$bunfs.
 */
const workerSpecifier = () =>
  Bun.main.startsWith("/$bunfs/") ? "/$bunfs/root/usage/ledger/store-worker.ts" : new URL("./store-worker.ts", import.meta.url).href;

/**
 * The ledger store on its own thread (store-worker.ts), behind the same interface as the in-thread one. What the
 * gateway's thread pays per batch is packing it (usage-row.ts packRows: each row read once into two typed arrays)
 * and a postMessage that transfers them; the inserts, SQLite's synchronous file I/O and its lock waits happen on
 * the worker. A worker that dies
 * fails its pending calls, and the next call starts a new one. The worker keeps the process alive only while a
 * call is pending.
 */
export function createWorkerLedgerStore(target: LedgerTarget, opts: SqlStoreOptions = {}): LedgerStore {
  let worker: Worker | undefined;
  let seq = 0;
  let closed = false;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  const stopped = (w: Worker, why: string) => {
    if (worker !== w) return;
    worker = undefined;
    const calls = [...pending.values()];
    pending.clear();
    for (const c of calls) c.reject(Object.assign(new Error(why), { code: "LEDGER_WORKER_STOPPED" }));
  };

  const start = (): Worker => {
    const w = new Worker(workerSpecifier());
    w.onmessage = (event: MessageEvent<WorkerReply>) => {
      const msg = event.data;
      if ("notice" in msg) {
        opts.onNotice?.(msg.notice);
        return;
      }
      const call = pending.get(msg.id);
      if (!call) return;
      pending.delete(msg.id);
      if (pending.size === 0) w.unref();
      if (msg.ok) call.resolve(msg.value);
      else call.reject(errorFrom(msg.error));
    };
    w.addEventListener("error", (e) => stopped(w, `the usage ledger's worker failed: ${(e as ErrorEvent).message}`));
    w.addEventListener("close", () => stopped(w, "the usage ledger's worker stopped"));
    w.postMessage({ id: ++seq, op: "open", target, busyTimeoutMs: opts.busyTimeoutMs, readOnly: opts.readOnly } satisfies WorkerRequest);
    return w;
  };

  const call = <R>(op: Op, transfer?: ArrayBuffer[]): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      if (closed) return reject(new Error("the usage ledger is closed"));
      worker ??= start();
      const id = ++seq;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ ...op, id }, transfer ? { transfer } : undefined);
    });

  return {
    ready: () => call<void>({ op: "ready" }),
    insertBatch(rows) {
      if (!rows.length) return Promise.resolve();
      const packed = packRows(rows);
      // The two arrays move to the worker (transferred, not copied); the texts are a short list.
      return call<void>({ op: "insert", packed }, [packed.numbers.buffer as ArrayBuffer, packed.refs.buffer as ArrayBuffer]);
    },
    query: (query, options) => call<UsageReport>({ op: "query", query, options }),
    prune: (before) => call<PruneResult>({ op: "prune", before }),
    async close() {
      if (closed) return;
      const w = worker;
      if (w) {
        await call<void>({ op: "close" }).catch(() => {});
        w.terminate();
      }
      closed = true;
      worker = undefined;
    },
  };
}

function errorFrom(e: WorkerError): Error {
  const err = new Error(e.message) as Error & { code?: string; errno?: string | number };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.errno !== undefined) err.errno = e.errno;
  return err;
}
