import type { Subprocess } from "bun";
import type { Logger } from "../server/logger.ts";
import type { SharedBackend } from "../state/shared-backend.ts";
import { createOperationServer, type OperationCall, type SupervisorMessage, type WorkerMessage } from "./worker-backend.ts";

export interface SupervisorOptions {
  /** The command line of worker `index` (the same binary, `server start --worker …`). */
  command(index: number): string[];
  workers: number;
  env: Record<string, string | undefined>;
  log: Logger;
  /** The state the workers share when there is no Redis, served over IPC; undefined: they use Redis themselves. */
  backend?: SharedBackend;
  /** A stopping worker gets this long (its own shutdown grace, plus a margin) before it is killed. */
  stopGraceMs: number;
  /** Waits before restarting a worker that died: from the first (ms), doubling up to the last. */
  backoffMs?: { first: number; max: number };
}

export interface Supervisor {
  /** Resolves when every worker said it listens; rejects when workers keep dying before they ever do. */
  ready: Promise<void>;
  /** Forwards the signal to every worker and resolves once all have exited (killed past the grace). */
  stop(signal: NodeJS.Signals): Promise<void>;
  /** The workers' process ids, by index (undefined while one is being restarted). */
  pids(): (number | undefined)[];
}

/** A worker that dies this many times in a row before it ever listens makes the start fail (a port in use, a bad file). */
const START_FAILURES = 5;
/** A worker that ran this long before dying is restarted after the first backoff again. */
const STABLE_MS = 10_000;

interface Slot {
  index: number;
  proc?: Subprocess;
  startedAt: number;
  everReady: boolean;
  failures: number;
  restart?: ReturnType<typeof setTimeout>;
}

/**
 * `server start --workers N`: this process serves nothing itself. It starts N workers (the same binary, each
 * listening on the one port with SO_REUSEPORT, so the kernel spreads connections over them), restarts one that dies
 * (after 100 ms, doubling to 10 s while it keeps dying), serves them the shared state over IPC when there is no Redis,
 * and on SIGTERM/SIGINT forwards the signal so every worker drains its requests, then exits when all have.
 * Workers inherit stdout and stderr: their log lines are the log.
 */
export function superviseWorkers(opts: SupervisorOptions): Supervisor {
  const { log, backend } = opts;
  const backoff = opts.backoffMs ?? { first: 100, max: 10_000 };
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, index) => ({ index, startedAt: 0, everReady: false, failures: 0 }));
  let stopping = false;
  let readyCount = 0;
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);

  // The events channel: every message goes to every worker (each drops its own).
  backend?.onMessage((m) => {
    for (const s of slots) send(s, { m });
  });

  const send = (slot: Slot, message: SupervisorMessage) => {
    try {
      slot.proc?.send(message);
    } catch {
      // the worker is exiting: it restarts (or the supervisor stops)
    }
  };

  const start = (slot: Slot) => {
    slot.restart = undefined;
    slot.startedAt = Date.now();
    const serve = backend
      ? createOperationServer(backend, (m) => send(slot, m))
      : (ops: OperationCall[]) => send(slot, { rs: ops.map(([i]) => [i, null, "no shared state in the supervisor (the workers use Redis)"]) });
    const proc = Bun.spawn(opts.command(slot.index), {
      env: opts.env,
      stdio: ["ignore", "inherit", "inherit"],
      serialization: "json",
      ipc(message: WorkerMessage) {
        if ("ops" in message) return serve(message.ops);
        if (message.t === "ready" && !slot.everReady) {
          slot.everReady = true;
          slot.failures = 0;
          if (++readyCount === slots.length) resolveReady();
        }
      },
    });
    slot.proc = proc;
    log.log("info", "worker started", { worker: slot.index, pid: proc.pid });
    void proc.exited.then((code) => exited(slot, proc, code));
  };

  const exited = (slot: Slot, proc: Subprocess, code: number) => {
    if (slot.proc !== proc) return;
    slot.proc = undefined;
    if (stopping) return;
    const ranMs = Date.now() - slot.startedAt;
    slot.failures = ranMs >= STABLE_MS ? 1 : slot.failures + 1;
    const how = proc.signalCode ? `signal ${proc.signalCode}` : `exit code ${code}`;
    if (!slot.everReady && slot.failures >= START_FAILURES) {
      log.log("error", "a worker keeps exiting before it listens: stopping", { worker: slot.index, exit: how });
      rejectReady(new Error(`worker ${slot.index} exited ${slot.failures} times before it could listen (last: ${how})`));
      return;
    }
    const wait = Math.min(backoff.max, backoff.first * 2 ** (slot.failures - 1));
    log.log("warn", "worker exited: restarting it", { worker: slot.index, pid: proc.pid, exit: how, restart_in_ms: wait });
    slot.restart = setTimeout(() => start(slot), wait);
  };

  for (const slot of slots) start(slot);

  return {
    ready,
    pids: () => slots.map((s) => s.proc?.pid),
    async stop(signal) {
      stopping = true;
      const running: Promise<unknown>[] = [];
      for (const slot of slots) {
        if (slot.restart) clearTimeout(slot.restart);
        const proc = slot.proc;
        if (!proc) continue;
        proc.kill(signal);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const killed = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            log.log("warn", "worker did not stop within its grace: killing it", { worker: slot.index, pid: proc.pid });
            proc.kill("SIGKILL");
            resolve();
          }, opts.stopGraceMs);
        });
        running.push(Promise.race([proc.exited, killed]).then(() => clearTimeout(timer)));
      }
      await Promise.all(running);
      await Promise.all(slots.map((s) => s.proc?.exited));
      await backend?.close();
    },
  };
}
