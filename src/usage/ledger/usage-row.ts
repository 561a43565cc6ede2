import { Type as T, type Static, type TSchema } from "@sinclair/typebox";

export const Nullable = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);

/**
 * One client request in the ledger (docs/USAGE_LEDGER.md has the table it becomes). Tokens are the canonical
 * model's (input includes cache reads and writes, output includes reasoning); null where the upstream reported no
 * usage. `costUsd` is null when the cost is unknown: a model without a price, or no usage reported.
 */
export const UsageRowSchema = T.Object({
  /** When the request arrived, epoch milliseconds. */
  time: T.Integer(),
  requestId: T.String(),
  keyId: Nullable(T.String()),
  accountId: Nullable(T.String()),
  provider: Nullable(T.String()),
  modelRequested: Nullable(T.String()),
  modelServed: Nullable(T.String()),
  clientDialect: T.String(),
  upstreamDialect: Nullable(T.String()),
  stream: T.Boolean(),
  /** Upstream attempts (failover); 0 when the gateway answered by itself. */
  attempts: T.Integer({ minimum: 0 }),
  /** The status the client got. */
  status: T.Integer(),
  errorType: Nullable(T.String()),
  /** Time to the first byte of the answer (ms); null when none was sent. */
  ttfbMs: Nullable(T.Number()),
  totalMs: T.Number(),
  inputTokens: Nullable(T.Integer()),
  outputTokens: Nullable(T.Integer()),
  cacheReadTokens: Nullable(T.Integer()),
  cacheWriteTokens: Nullable(T.Integer()),
  reasoningTokens: Nullable(T.Integer()),
  costUsd: Nullable(T.Number()),
});
export type UsageRow = Static<typeof UsageRowSchema>;

/** Row fields and their columns, in the order rows travel as arrays (to the store's worker) and are inserted. */
export const ROW_COLUMNS = [
  ["time", "ts"],
  ["requestId", "request_id"],
  ["keyId", "key_id"],
  ["accountId", "account_id"],
  ["provider", "provider"],
  ["modelRequested", "model_requested"],
  ["modelServed", "model_served"],
  ["clientDialect", "client_dialect"],
  ["upstreamDialect", "upstream_dialect"],
  ["stream", "stream"],
  ["attempts", "attempts"],
  ["status", "status"],
  ["errorType", "error_type"],
  ["ttfbMs", "ttfb_ms"],
  ["totalMs", "total_ms"],
  ["inputTokens", "input_tokens"],
  ["outputTokens", "output_tokens"],
  ["cacheReadTokens", "cache_read_tokens"],
  ["cacheWriteTokens", "cache_write_tokens"],
  ["reasoningTokens", "reasoning_tokens"],
  ["costUsd", "cost_usd"],
] as const satisfies readonly (readonly [keyof UsageRow, string])[];

/** A success is anything the client got below 400. */
export const isSuccess = (status: number) => status < 400;

/** The model a row counts under in totals: the one served, else the one asked for. */
export const rowModel = (row: Pick<UsageRow, "modelServed" | "modelRequested">) => row.modelServed ?? row.modelRequested ?? "";

/** Longest text kept in a column: names come partly from clients (models), and a ledger row is no place for an essay. */
export const MAX_TEXT = 256;

/**
 * Text as a database takes it: PostgreSQL refuses NUL in text, and one such row would fail its whole batch again
 * and again. Cut to MAX_TEXT characters.
 */
function text(s: string | null): string | null {
  if (s === null) return null;
  if (s.length <= MAX_TEXT && s.indexOf("\0") < 0) return s;
  return s.replaceAll("\0", "").slice(0, MAX_TEXT);
}
const orNull = (n: number | null) => (n !== null && Number.isFinite(n) ? n : null);
const orZero = (n: number) => (Number.isFinite(n) ? n : 0);

/**
 * Rows as arrays of values in ROW_COLUMNS order (`stream` as 0/1): the compact form batches travel in, and what
 * is inserted. Values a database would refuse are made safe here (text above; a non-finite number becomes null,
 * or 0 in a column that takes no null), so no row can poison the batch it travels in.
 */
export function rowsToArrays(rows: readonly UsageRow[]): unknown[][] {
  const out = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = [
      orZero(r.time), text(r.requestId) ?? "", text(r.keyId), text(r.accountId), text(r.provider), text(r.modelRequested),
      text(r.modelServed), text(r.clientDialect) ?? "", text(r.upstreamDialect), r.stream ? 1 : 0, orZero(r.attempts),
      orZero(r.status), text(r.errorType), orNull(r.ttfbMs), orZero(r.totalMs), orNull(r.inputTokens), orNull(r.outputTokens),
      orNull(r.cacheReadTokens), orNull(r.cacheWriteTokens), orNull(r.reasoningTokens), orNull(r.costUsd),
    ];
  }
  return out;
}

export function rowsFromArrays(arrays: readonly unknown[][]): UsageRow[] {
  return arrays.map((a) => {
    const row = {} as Record<string, unknown>;
    ROW_COLUMNS.forEach(([field], i) => (row[field] = a[i] ?? null));
    row.stream = a[9] === 1 || a[9] === true;
    return row as UsageRow;
  });
}
