// The workers' shared state over IPC, with the channel played in process: each worker's operations answered from the
// supervisor's one memory backend, messages fanned out, and a supervisor that is gone.
import { expect, test } from "bun:test";
import { createMemoryBackend } from "../state/memory-backend.ts";
import { createOperationServer, createWorkerBackend, type OperationCall, type SupervisorMessage, type WorkerChannel, type WorkerMessage } from "./worker-backend.ts";

function channelPair(serve: (m: WorkerMessage, reply: (r: SupervisorMessage) => void) => void) {
  const listeners: ((m: SupervisorMessage) => void)[] = [];
  const gone: (() => void)[] = [];
  let connected = true;
  const channel: WorkerChannel = {
    send: (m) => queueMicrotask(() => serve(m, (r) => queueMicrotask(() => listeners.forEach((l) => l(r))))),
    onMessage: (l) => void listeners.push(l),
    onDisconnect: (l) => void gone.push(l),
    get connected() {
      return connected;
    },
  };
  return {
    channel,
    deliver: (m: SupervisorMessage) => listeners.forEach((l) => l(m)),
    disconnect: () => {
      connected = false;
      gone.forEach((l) => l());
    },
  };
}

test("two workers share one window through the supervisor's backend: exact counts, operations batched per turn", async () => {
  const shared = createMemoryBackend();
  const messages: number[] = [];
  const worker = () => {
    let serve: ((ops: OperationCall[]) => void) | undefined;
    const pair = channelPair((m, reply) => {
      if (!("ops" in m)) return;
      messages.push(m.ops.length);
      (serve ??= createOperationServer(shared, reply))(m.ops);
    });
    return createWorkerBackend(pair.channel, { timeoutMs: 1000 });
  };
  const w1 = worker();
  const w2 = worker();
  const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? w1 : w2).hit("rl:k", 60_000, 1)));
  expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  // Ten operations of each worker asked in one turn: one message each.
  expect(messages).toEqual([10, 10]);
  expect(await w1.setIfAbsent("lock:x", "w1", 1000)).toBe(true);
  expect(await w2.setIfAbsent("lock:x", "w2", 1000)).toBe(false);
  expect(await w2.get("lock:x")).toBe("w1");
  expect(w1.status()).toEqual({ backend: "workers", state: "ok" });
});

test("an operation the supervisor does not serve is refused; messages of the events channel reach the worker", async () => {
  const pair = channelPair((m, reply) => {
    if ("ops" in m) createOperationServer(createMemoryBackend(), reply)(m.ops.map(([i, , a]) => [i, "close" as never, a]));
  });
  const w = createWorkerBackend(pair.channel, { timeoutMs: 1000 });
  await expect(w.get("x")).rejects.toThrow("unknown operation close");
  const got: string[] = [];
  w.onMessage((m) => got.push(m));
  pair.deliver({ m: "news" });
  expect(got).toEqual(["news"]);
});

test("the supervisor gone: operations fail at once, pending ones too, and the status says so", async () => {
  const pair = channelPair(() => {
    // never answers
  });
  const w = createWorkerBackend(pair.channel, { timeoutMs: 60_000 });
  const pending = w.get("x");
  pair.disconnect();
  await expect(pending).rejects.toThrow("the supervisor is gone");
  await expect(w.hit("k", 1000, 1)).rejects.toThrow("the supervisor is gone");
  expect(w.up).toBe(false);
  expect(w.status()).toMatchObject({ backend: "workers", state: "degraded", reason: "the supervisor is gone" });
});

test("a supervisor that does not answer within the timeout: the operation fails (the caller uses its own state)", async () => {
  const w = createWorkerBackend(channelPair(() => {}).channel, { timeoutMs: 20 });
  await expect(w.get("x")).rejects.toThrow("did not answer within 20 ms");
  expect(w.up).toBe(true);
});
