/**
 * The ledger's database, on a thread of its own (worker-store.ts is the other end). SQLite runs its queries
 * synchronously in the thread that calls it, so here a slow disk, a busy lock or a month's query never stalls
 * the requests. Operations arrive as messages and answer with their id; batches arrive packed (usage-row.ts
 * packRows: two transferred typed arrays and the batch's distinct texts), the cheapest form to hand over.
 */
import { createSqlLedgerStore, type SqlLedgerStore } from "./sql-store.ts";
import type { WorkerRequest, WorkerReply } from "./worker-protocol.ts";

declare const self: Worker;

let store: SqlLedgerStore | undefined;

const reply = (msg: WorkerReply) => self.postMessage(msg);

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const msg = event.data;
  try {
    let value: unknown;
    if (msg.op === "open") {
      store = createSqlLedgerStore(msg.target, { busyTimeoutMs: msg.busyTimeoutMs, readOnly: msg.readOnly, onNotice: (message) => reply({ notice: message }) });
    } else if (!store) {
      throw new Error("the ledger store is not open");
    } else if (msg.op === "ready") {
      await store.ready();
    } else if (msg.op === "insert") {
      await store.insertPacked(msg.packed);
    } else if (msg.op === "query") {
      value = await store.query(msg.query, msg.options);
    } else if (msg.op === "prune") {
      value = await store.prune(msg.before);
    } else if (msg.op === "close") {
      await store.close();
      store = undefined;
    }
    reply({ id: msg.id, ok: true, value });
  } catch (err) {
    const e = (err ?? {}) as { message?: unknown; code?: unknown; errno?: unknown; name?: unknown };
    reply({
      id: msg.id,
      ok: false,
      error: {
        message: typeof e.message === "string" ? e.message : String(err),
        name: typeof e.name === "string" ? e.name : "Error",
        ...(typeof e.code === "string" ? { code: e.code } : {}),
        ...(typeof e.errno === "string" || typeof e.errno === "number" ? { errno: e.errno } : {}),
      },
    });
  }
};
