import type { Usage } from "../canonical/model.ts";
import type { DialectName } from "../dialects/types.ts";
import type { StateStore } from "../state/types.ts";
import { createSpendTracker, type Spend, type SpendSubject } from "./ledger/spend-tracker.ts";
import type { UsageLedger } from "./ledger/usage-ledger.ts";
import type { UsageRow } from "./ledger/usage-row.ts";
import type { PriceTable } from "./prices/price-table.ts";
import { countTokens } from "./token-rate.ts";
import type { UsageMeter } from "./usage-meter.ts";

/**
 * One client request's accounting, filled in as the request goes: the server sets who asked and what it got, the
 * proxy which account and model served it and the tokens. Recorded once, when its answer is over: at the response
 * for a JSON answer or an error, at the end of the stream for a stream (whichever of the two comes last).
 */
export interface RequestUsage {
  readonly row: UsageRow;
  /** Tokens the upstream reported (its JSON answer, or a stream's first and last events). */
  tokens: Usage | undefined;
  /** performance.now() when the request arrived; the row's times count from it. */
  readonly startedAt: number;
  /** performance.now() when the response was handed to the server; -1 before. */
  respondedAt: number;
  /** performance.now() when the stream ended; -1 for an answer that is not a stream. */
  endedAt: number;
  /** What is still to come before the row is complete: the response, and a stream's end. */
  pending: number;
  /** The request's key has a tokens-per-minute limit: its tokens are counted in the key's window. */
  countTokens: boolean;
  readonly recorder: UsageRecorder;
}

export interface UsageRecorder {
  /** A row for a request that just arrived (`time`: epoch ms; `startedAt`: performance.now()). */
  begin(time: number, startedAt: number, requestId: string, clientDialect: DialectName): RequestUsage;
  /** The response is out with this status. A stream's row still waits for streamEnded. */
  responded(u: RequestUsage, status: number): void;
  /** Before returning a response whose body is a stream: its row then waits for the stream's end too. */
  streamStarted(u: RequestUsage): void;
  /** The stream ended: its tokens when the upstream reported them, the error type when it did not end cleanly. */
  streamEnded(u: RequestUsage, tokens: Usage | undefined, errorType: string | undefined): void;
  /** Spend of a gateway key or an upstream account in the current UTC day and month, from memory. */
  spendOf(subject: SpendSubject, id: string, now?: number): Spend;
}

export interface UsageRecorderDeps {
  meter: Pick<UsageMeter, "tokens">;
  /** The price table of the configuration in force (pricesFromConfig rebuilds it when `usage.prices` changes). */
  prices(): PriceTable;
  /**
   * The usage ledger: rows to the database, spend per key and account. Absent (`usage.enabled: false`): nothing is
   * written, and spend is counted in memory from the process's start, so budgets and caps still hold.
   */
  ledger?: Pick<UsageLedger, "record" | "spendOf">;
  state: StateStore;
  clock: () => number;
  /**
   * Spend shared with the other gateway processes (src/cluster/shared-spend.ts): each row is added to it, and the
   * spend figures are the larger of its and this process's own. Absent: this process's own figures.
   */
  sharedSpend?: {
    add(row: UsageRow): void;
    spendOf(subject: SpendSubject, id: string, now: number, local: Spend): Spend;
  };
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Where a finished request's row goes: its cost priced, /metrics counters, the ledger (which adds it to the spend
 * figures budgets are checked against), the key's tokens-per-minute window. Everything here is known already: no
 * parsing, no I/O, no await on the request path.
 */
export function createUsageRecorder(deps: UsageRecorderDeps): UsageRecorder {
  const now = deps.now ?? (() => performance.now());
  const tracker = deps.ledger ? undefined : createSpendTracker(deps.clock);
  const recordHere = deps.ledger ? (row: UsageRow) => deps.ledger!.record(row) : (row: UsageRow) => tracker!.add(row);
  const shared = deps.sharedSpend;
  const record = shared
    ? (row: UsageRow) => {
        recordHere(row);
        shared.add(row);
      }
    : recordHere;
  const spendHere = (subject: SpendSubject, id: string, at?: number) => (deps.ledger ?? tracker!).spendOf(subject, id, at);

  const finish = (u: RequestUsage) => {
    const row = u.row;
    const t = u.tokens;
    const end = u.endedAt > u.respondedAt ? u.endedAt : u.respondedAt;
    row.ttfbMs = round2(u.respondedAt - u.startedAt);
    row.totalMs = round2(end - u.startedAt);
    if (t) {
      row.inputTokens = t.inputTokens;
      row.outputTokens = t.outputTokens;
      row.cacheReadTokens = t.cacheReadTokens ?? 0;
      row.cacheWriteTokens = t.cacheWriteTokens ?? 0;
      row.reasoningTokens = t.reasoningTokens ?? 0;
      // The model the upstream was asked for is the one billed (a route may have renamed the client's).
      row.costUsd = deps.prices().cost(row.modelServed ?? row.modelRequested, t);
      deps.meter.tokens({ keyId: row.keyId ?? undefined, accountId: row.accountId ?? undefined, model: row.modelRequested ?? undefined, requestId: row.requestId }, t, row.costUsd);
      if (u.countTokens && row.keyId) countTokens(deps.state, row.keyId, t.inputTokens + t.outputTokens);
    } else {
      // No usage reported. An error answer cost nothing (the gateway refused it, or the upstream did, and providers
      // do not bill refused requests): 0. An answer without usage (an OpenAI stream whose client did not ask for
      // it, a stream cut short) was billed by an amount nobody told us: unknown, never counted as 0.
      row.costUsd = row.status >= 400 ? 0 : null;
    }
    record(row);
  };

  const done = (u: RequestUsage) => {
    if (--u.pending === 0) finish(u);
  };

  const recorder: UsageRecorder = {
    begin(time, startedAt, requestId, clientDialect) {
      return {
        row: {
          time,
          requestId,
          keyId: null,
          accountId: null,
          provider: null,
          modelRequested: null,
          modelServed: null,
          clientDialect,
          upstreamDialect: null,
          stream: false,
          attempts: 0,
          status: 0,
          errorType: null,
          ttfbMs: null,
          totalMs: 0,
          inputTokens: null,
          outputTokens: null,
          cacheReadTokens: null,
          cacheWriteTokens: null,
          reasoningTokens: null,
          costUsd: null,
        },
        tokens: undefined,
        startedAt,
        respondedAt: -1,
        endedAt: -1,
        pending: 1,
        countTokens: false,
        recorder,
      };
    },
    responded(u, status) {
      u.row.status = status;
      u.respondedAt = now();
      done(u);
    },
    streamStarted(u) {
      u.pending++;
    },
    streamEnded(u, tokens, errorType) {
      u.endedAt = now();
      if (tokens) u.tokens = tokens;
      if (errorType) u.row.errorType = errorType;
      done(u);
    },
    spendOf: shared
      ? (subject, id, at = deps.clock()) => shared.spendOf(subject, id, at, spendHere(subject, id, at))
      : spendHere,
  };
  return recorder;
}
