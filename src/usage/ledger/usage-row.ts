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

/** Longest text kept in a column: names come partly from clients (models), and a ledger row is no place for an essay. */
export const MAX_TEXT = 256;

/**
 * Text as a database takes it: PostgreSQL refuses NUL in text, and one such row would fail its whole batch again
 * and again. Cut to MAX_TEXT characters.
 */
function text(s: string): string {
  if (s.length <= MAX_TEXT && s.indexOf("\0") < 0) return s;
  return s.replaceAll("\0", "").slice(0, MAX_TEXT);
}

/**
 * A batch of rows as it travels to the store's worker and is inserted: numbers in one Float64Array (NaN for null),
 * request ids in one string, the other texts as indexes into the batch's distinct texts (-1 for null). Handed to
 * the worker as two transferred buffers, one string and a short list: a batch's key ids, account ids, model names and
 * dialects are a handful of texts whatever its size. Values a database would refuse are made safe here (text above,
 * once per distinct text; a non-finite number becomes null, or 0 in a column that takes no null), so no row can
 * poison the batch it travels in.
 */
export interface PackedRows {
  count: number;
  /** NUMBERS_PER_ROW per row: time, stream (0/1), attempts, status, ttfb, total, input, output, cache read, cache write, reasoning, cost. */
  numbers: Float64Array;
  /** TEXTS_PER_ROW per row: key, account, provider, model asked, model served, client dialect, upstream dialect, error type. */
  refs: Int32Array;
  texts: string[];
  /** The request ids, joined by NUL (which text() removes from every text, so the split is exact). */
  ids: string;
}
export const NUMBERS_PER_ROW = 12;
export const TEXTS_PER_ROW = 8;

const finite = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : Number.NaN);
const finiteOrZero = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Packs rows (the gateway's thread, once per batch): each row read once, each distinct text made safe once. */
export function packRows(rows: readonly UsageRow[]): PackedRows {
  const n = rows.length;
  const numbers = new Float64Array(n * NUMBERS_PER_ROW);
  const refs = new Int32Array(n * TEXTS_PER_ROW);
  const texts: string[] = [];
  const ids = new Array<string>(n);
  const seen = new Map<string, number>();
  // The last text seen per column: most rows of a batch share their key, account, provider and dialects with the
  // row before, often the very same string (the config's ids, the dialect names), so most lookups stop here.
  const lastText: (string | null)[] = new Array(TEXTS_PER_ROW).fill(null);
  const lastRef = new Int32Array(TEXTS_PER_ROW).fill(-1);
  const put = (t: number, col: number, s: string | null | undefined) => {
    if (s === null || s === undefined) {
      refs[t + col] = -1;
      return;
    }
    if (s === lastText[col]) {
      refs[t + col] = lastRef[col]!;
      return;
    }
    let i = seen.get(s);
    if (i === undefined) {
      // Two texts that are the same once made safe (cut at MAX_TEXT, say) share an index: totals group by index.
      const safe = text(s);
      i = safe === s ? undefined : seen.get(safe);
      if (i === undefined) {
        i = texts.push(safe) - 1;
        seen.set(safe, i);
      }
      seen.set(s, i);
    }
    lastText[col] = s;
    lastRef[col] = i;
    refs[t + col] = i;
  };
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    ids[r] = text(row.requestId ?? "");
    const t = r * TEXTS_PER_ROW;
    put(t, 0, row.keyId);
    put(t, 1, row.accountId);
    put(t, 2, row.provider);
    put(t, 3, row.modelRequested);
    put(t, 4, row.modelServed);
    put(t, 5, row.clientDialect ?? "");
    put(t, 6, row.upstreamDialect);
    put(t, 7, row.errorType);
    const k = r * NUMBERS_PER_ROW;
    numbers[k] = finiteOrZero(row.time);
    numbers[k + 1] = row.stream ? 1 : 0;
    numbers[k + 2] = finiteOrZero(row.attempts);
    numbers[k + 3] = finiteOrZero(row.status);
    numbers[k + 4] = finite(row.ttfbMs);
    numbers[k + 5] = finiteOrZero(row.totalMs);
    numbers[k + 6] = finite(row.inputTokens);
    numbers[k + 7] = finite(row.outputTokens);
    numbers[k + 8] = finite(row.cacheReadTokens);
    numbers[k + 9] = finite(row.cacheWriteTokens);
    numbers[k + 10] = finite(row.reasoningTokens);
    numbers[k + 11] = finite(row.costUsd);
  }
  return { count: n, numbers, refs, texts, ids: ids.join("\0") };
}

/** The request ids of a packed batch, in row order. */
export const packedIds = (p: PackedRows): string[] => (p.count === 0 ? [] : p.ids.split("\0"));

/**
 * Rows `from` … `from + count - 1` of a packed batch as one flat list of insert parameters in ROW_COLUMNS order.
 * `ids` from packedIds (split once per batch).
 */
export function packedParams(p: PackedRows, ids: readonly string[], from: number, count: number): (string | number | null)[] {
  const out = new Array<string | number | null>(count * ROW_COLUMNS.length);
  const { numbers: n, refs, texts } = p;
  const txt = (ref: number) => (ref < 0 ? null : texts[ref]!);
  const num = (v: number) => (v !== v ? null : v); // NaN is null
  let o = 0;
  for (let r = from; r < from + count; r++) {
    const k = r * NUMBERS_PER_ROW;
    const t = r * TEXTS_PER_ROW;
    out[o++] = n[k]!; // ts
    out[o++] = ids[r]!; // request_id
    out[o++] = txt(refs[t]!); // key_id
    out[o++] = txt(refs[t + 1]!); // account_id
    out[o++] = txt(refs[t + 2]!); // provider
    out[o++] = txt(refs[t + 3]!); // model_requested
    out[o++] = txt(refs[t + 4]!); // model_served
    out[o++] = txt(refs[t + 5]!); // client_dialect
    out[o++] = txt(refs[t + 6]!); // upstream_dialect
    out[o++] = n[k + 1]!; // stream
    out[o++] = n[k + 2]!; // attempts
    out[o++] = n[k + 3]!; // status
    out[o++] = txt(refs[t + 7]!); // error_type
    out[o++] = num(n[k + 4]!); // ttfb_ms
    out[o++] = n[k + 5]!; // total_ms
    out[o++] = num(n[k + 6]!); // input_tokens
    out[o++] = num(n[k + 7]!); // output_tokens
    out[o++] = num(n[k + 8]!); // cache_read_tokens
    out[o++] = num(n[k + 9]!); // cache_write_tokens
    out[o++] = num(n[k + 10]!); // reasoning_tokens
    out[o++] = num(n[k + 11]!); // cost_usd
  }
  return out;
}
