import type { Logger } from "../../server/logger.ts";
import { describeDbError } from "./describe-db-error.ts";
import type { UsageRow } from "./usage-row.ts";

/** What `status` and `/health` show of the ledger. */
export interface LedgerHealth {
  state: "ok" | "degraded";
  /** Why it is degraded: the database's failure in a few words, a write that does not finish, a full buffer. */
  reason?: string;
  /** Epoch ms when it became degraded. */
  since?: number;
  /** Rows recorded and not yet written. */
  buffered: number;
  /** Rows dropped since start because the buffer was full (or recorded after close). */
  dropped: number;
  written: number;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Unref'd: a pending flush never keeps a process alive on its own (shutdown flushes through close()). */
export const realTimers: Timers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clear: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

export interface BatchWriterOptions {
  /** Writes one batch, all or nothing (LedgerStore.insertBatch). */
  write(rows: UsageRow[]): Promise<void>;
  /** Checks the database while degraded and nothing is waiting to be written, so health recovers without traffic. */
  probe?: () => Promise<void>;
  logger: Logger;
  clock?: () => number;
  timers?: Timers;
  /** A row waits at most this long before it is written (while the database takes writes). */
  flushIntervalMs: number;
  /** Rows per write; this many waiting start a write at once. */
  batchSize: number;
  /** Rows held at most (waiting plus being written); past it new rows are dropped and counted. */
  bufferCap: number;
  /** A write still running after this long marks the ledger degraded ("slow"); it is not abandoned. */
  slowAfterMs?: number;
  /** Retries after failures back off from flushIntervalMs up to this. */
  maxRetryDelayMs?: number;
  /** Tells a refused row from a failed write (describe-db-error.ts): such a batch is written row by row. */
  isDataError?: (err: unknown) => boolean;
  /** Called after each batch written (the ledger reads the spend before its start once the database answers). */
  onWritten?: (rows: number) => void;
}

export interface BatchWriter {
  /** Synchronous and cheap: a push onto the buffer, maybe a timer. No I/O, never throws. */
  record(row: UsageRow): void;
  /** Writes what is waiting now, ignoring any retry delay; true when the buffer was emptied. */
  flush(): Promise<boolean>;
  /** Stops timers, writes what is waiting within `timeoutMs`; resolves with the rows left unwritten. */
  close(timeoutMs?: number): Promise<{ unwritten: number }>;
  health(): LedgerHealth;
  /** A failure seen outside a write (the ledger's start-up check): degraded until the next success. */
  noteFailure(err: unknown): void;
}

/**
 * Rows go into an array on the request path and reach the database in batches: every flushIntervalMs or as soon
 * as batchSize are waiting, one write at a time. A failing database costs the request path nothing: the rows stay
 * buffered (bounded by bufferCap; past it the newest are dropped, so the gap is one span at the end of the outage
 * and the oldest, already waiting, go first), retries back off, the first failure of an outage is logged once and
 * its recovery once, and health() says degraded with the reason meanwhile. A process killed loses only what was
 * buffered: at most flushIntervalMs of rows, or one batch.
 */
export function createBatchWriter(opts: BatchWriterOptions): BatchWriter {
  const clock = opts.clock ?? Date.now;
  const timers = opts.timers ?? realTimers;
  const slowAfterMs = opts.slowAfterMs ?? 10_000;
  const maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000;
  const { logger, batchSize, bufferCap, flushIntervalMs } = opts;
  const slowLabel = slowAfterMs >= 1000 ? `${Math.round(slowAfterMs / 1000)} s` : `${slowAfterMs} ms`;

  let buffer: UsageRow[] = [];
  let inFlight = 0;
  let written = 0;
  let dropped = 0;
  let closed = false;
  let draining: Promise<boolean> | undefined;
  let timer: unknown;
  let timerDue = 0;
  let failures = 0;
  let nextTryAt = 0;
  let refusedLogged = false;
  let degraded: { reason: string; since: number; dropped: number; dropping: boolean } | undefined;

  const setDegraded = (reason: string, fields: Record<string, unknown> = {}) => {
    if (degraded) {
      // The latest reason shows; the outage was logged when it began.
      degraded.reason = degraded.dropping ? `${reason}; buffer full (${bufferCap} rows), new rows are dropped` : reason;
      return;
    }
    degraded = { reason, since: clock(), dropped: 0, dropping: false };
    logger.log("warn", "usage ledger: cannot write to its database; rows are kept in memory and written when it recovers", {
      reason,
      buffered: buffer.length + inFlight,
      ...fields,
    });
  };

  const recovered = () => {
    failures = 0;
    nextTryAt = 0;
    if (!degraded) return;
    logger.log("info", "usage ledger: writing again", { after_ms: clock() - degraded.since, dropped: degraded.dropped });
    degraded = undefined;
  };

  const failed = (err: unknown) => {
    failures++;
    nextTryAt = clock() + Math.min(flushIntervalMs * 2 ** (failures - 1), maxRetryDelayMs);
    setDegraded(describeDbError(err));
  };

  const schedule = (delayMs: number) => {
    if (closed) return;
    const at = Math.max(clock() + delayMs, nextTryAt);
    if (timer !== undefined) {
      if (timerDue <= at) return;
      timers.clear(timer);
    }
    timerDue = at;
    timer = timers.set(onTimer, Math.max(0, at - clock()));
  };

  const onTimer = () => {
    timer = undefined;
    if (buffer.length > 0) void drain();
    else if (degraded && opts.probe) void probe();
  };

  const probe = async () => {
    try {
      await opts.probe!();
      recovered();
    } catch (err) {
      failed(err);
      schedule(0);
    }
  };

  /** The slow-write watch: a timer per batch, not per row. */
  const watched = (p: Promise<void>): Promise<void> => {
    const t = timers.set(() => setDegraded(`database slow: a write has not finished after ${slowLabel}`), slowAfterMs);
    return p.finally(() => timers.clear(t));
  };

  const drainOnce = async (): Promise<boolean> => {
    while (buffer.length > 0) {
      const batch = buffer.length <= batchSize ? buffer : buffer.slice(0, batchSize);
      buffer = batch === buffer ? [] : buffer.slice(batchSize);
      inFlight = batch.length;
      try {
        await watched(opts.write(batch));
      } catch (err) {
        if (opts.isDataError?.(err)) {
          if (!(await rowByRow(batch))) return false;
          continue;
        }
        putBack(batch);
        failed(err);
        return false;
      }
      inFlight = 0;
      written += batch.length;
      recovered();
      opts.onWritten?.(batch.length);
    }
    return true;
  };

  /** Back to the front, in order; what arrived meanwhile stays behind. The cap already counted both. */
  const putBack = (rows: UsageRow[]) => {
    buffer = buffer.length ? rows.concat(buffer) : rows;
    inFlight = 0;
  };

  /**
   * A batch the database refused for its data: each row alone, so only the rows refused are lost (dropped,
   * counted, the first one logged). Any other failure on the way stops it like a failed batch.
   */
  const rowByRow = async (batch: UsageRow[]): Promise<boolean> => {
    let ok = 0;
    for (let i = 0; i < batch.length; i++) {
      try {
        await watched(opts.write([batch[i]!]));
        written++;
        ok++;
      } catch (err) {
        if (!opts.isDataError?.(err)) {
          putBack(batch.slice(i));
          failed(err);
          return false;
        }
        dropped++;
        if (!refusedLogged) {
          refusedLogged = true;
          logger.log("warn", "usage ledger: the database refused a row; it is dropped", { reason: describeDbError(err), request_id: batch[i]!.requestId });
        }
      }
      inFlight = batch.length - i - 1;
    }
    inFlight = 0;
    recovered();
    if (ok > 0) opts.onWritten?.(ok);
    return true;
  };

  const drain = (): Promise<boolean> => {
    if (draining) return draining;
    draining = drainOnce().finally(() => {
      draining = undefined;
      if (buffer.length > 0) schedule(buffer.length >= batchSize ? 0 : flushIntervalMs);
      else if (degraded && opts.probe) schedule(0);
    });
    return draining;
  };

  return {
    record(row) {
      if (closed) {
        dropped++;
        return;
      }
      if (buffer.length + inFlight >= bufferCap) {
        dropped++;
        if (!degraded) setDegraded(`buffer full (${bufferCap} rows), new rows are dropped`, { buffer_size: bufferCap });
        else if (!degraded.dropping) {
          degraded.reason += `; buffer full (${bufferCap} rows), new rows are dropped`;
          logger.log("warn", "usage ledger: buffer full, new rows are dropped until the database takes writes again", { buffer_size: bufferCap });
        }
        degraded!.dropping = true;
        degraded!.dropped++;
        return;
      }
      buffer.push(row);
      // One timer call per batch, not per row: past batchSize the write is already due.
      if (timer === undefined) schedule(buffer.length >= batchSize ? 0 : flushIntervalMs);
      else if (buffer.length === batchSize) schedule(0);
    },

    async flush() {
      // A write under way may have started before the rows now waiting: wait for it, then write the rest.
      if (draining) await draining;
      return drain();
    },

    async close(timeoutMs = 5000) {
      closed = true;
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
      let deadline: unknown;
      const late = new Promise<false>((resolve) => (deadline = timers.set(() => resolve(false), timeoutMs)));
      try {
        for (;;) {
          const ok = await Promise.race([draining ? draining.then(() => drain()) : drain(), late]);
          if (!ok || buffer.length === 0) break;
        }
      } finally {
        timers.clear(deadline);
      }
      const unwritten = buffer.length + inFlight;
      if (unwritten > 0) {
        logger.log("warn", "usage ledger: rows not written before shutdown", { rows: unwritten, reason: degraded?.reason ?? "timed out" });
      }
      return { unwritten };
    },

    health() {
      const h: LedgerHealth = { state: degraded ? "degraded" : "ok", buffered: buffer.length + inFlight, dropped, written };
      if (degraded) {
        h.reason = degraded.reason;
        h.since = degraded.since;
      }
      return h;
    },

    noteFailure(err) {
      failed(err);
      schedule(0);
    },
  };
}
