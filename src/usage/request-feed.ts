import { Type as T, type Static } from "@sinclair/typebox";
import type { TokenCounts } from "./usage-meter.ts";

/**
 * What the admin UI's live view and dashboard show of recent traffic, kept in memory: the last requests as short
 * summaries (a bounded ring) and per-minute totals of the last hour. Fed where the access-log line is written
 * (src/server/create-app.ts) and by the usage meter's token counts. A summary holds no body, no header, no secret
 * and no key material: ids only (the names are looked up when it is read).
 */
export const RecentRequest = T.Object({
  seq: T.Integer({ description: "Increases by one per request" }),
  time: T.String({ description: "ISO time the request arrived" }),
  request_id: T.String(),
  method: T.String(),
  route: T.String(),
  /** 0 while the request is in flight. */
  status: T.Integer({ description: "0 while in flight" }),
  model: T.Optional(T.String()),
  key_id: T.Optional(T.String()),
  account_id: T.Optional(T.String()),
  /** Time to the response's headers (a stream's first event). */
  latency_ms: T.Optional(T.Number()),
  input_tokens: T.Optional(T.Integer()),
  output_tokens: T.Optional(T.Integer()),
  /** The gateway's error type (`authentication`, `rate_limited`, …) for a refused or failed request. */
  error_type: T.Optional(T.String()),
});
export type RecentRequest = Static<typeof RecentRequest>;

export const MinuteTotals = T.Object({
  minute: T.String({ description: "ISO start of the minute" }),
  requests: T.Integer(),
  errors: T.Integer(),
  latency_ms_avg: T.Union([T.Number(), T.Null()]),
  input_tokens: T.Integer(),
  output_tokens: T.Integer(),
});
export type MinuteTotals = Static<typeof MinuteTotals>;

/** The request as it is being answered: begin() makes it, end() completes it; tokens may come after (streams). */
export interface FeedEntry {
  seq: number;
  time: number;
  requestId: string;
  method: string;
  route: string;
  status: number;
  model?: string;
  keyId?: string;
  accountId?: string;
  latencyMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  errorType?: string;
}

export interface RequestFeed {
  begin(requestId: string, method: string, route: string): FeedEntry;
  end(entry: FeedEntry, done: { status: number; latencyMs: number; model?: string; keyId?: string; accountId?: string; errorType?: string }): void;
  /** Tokens an upstream reported for a request (a stream's come at its end). */
  tokens(requestId: string | undefined, counts: TokenCounts): void;
  /** The newest `limit` requests, newest first. */
  recent(limit: number): RecentRequest[];
  /** The last `minutes` minutes, oldest first, the current one last. */
  minutes(minutes: number): MinuteTotals[];
}

const MINUTE_MS = 60_000;

export function createRequestFeed(opts: { clock: () => number; size?: number; hours?: number }): RequestFeed {
  const size = opts.size ?? 500;
  const ring: (FeedEntry | undefined)[] = new Array(size);
  // Requests whose tokens may still come, by request id (a client may reuse one: the newest wins).
  const byId = new Map<string, FeedEntry>();
  let seq = 0;
  const slots = Math.max(60, Math.round((opts.hours ?? 1) * 60));
  const buckets = Array.from({ length: slots }, () => ({ minute: -1, requests: 0, errors: 0, latencySum: 0, latencyCount: 0, input: 0, output: 0 }));
  const bucket = (at: number) => {
    const minute = Math.floor(at / MINUTE_MS);
    const b = buckets[minute % slots]!;
    if (b.minute !== minute) Object.assign(b, { minute, requests: 0, errors: 0, latencySum: 0, latencyCount: 0, input: 0, output: 0 });
    return b;
  };

  return {
    begin(requestId, method, route) {
      const entry: FeedEntry = { seq: ++seq, time: opts.clock(), requestId, method, route, status: 0 };
      const slot = entry.seq % size;
      const old = ring[slot];
      if (old && byId.get(old.requestId) === old) byId.delete(old.requestId);
      ring[slot] = entry;
      byId.set(requestId, entry);
      return entry;
    },
    end(entry, done) {
      entry.status = done.status;
      entry.latencyMs = Math.round(done.latencyMs * 100) / 100;
      if (done.model !== undefined) entry.model = done.model.slice(0, 200);
      if (done.keyId !== undefined) entry.keyId = done.keyId;
      if (done.accountId !== undefined) entry.accountId = done.accountId;
      if (done.errorType !== undefined) entry.errorType = done.errorType;
      const b = bucket(opts.clock());
      b.requests++;
      if (done.status >= 400) b.errors++;
      b.latencySum += done.latencyMs;
      b.latencyCount++;
    },
    tokens(requestId, counts) {
      const b = bucket(opts.clock());
      b.input += counts.inputTokens;
      b.output += counts.outputTokens;
      const entry = requestId === undefined ? undefined : byId.get(requestId);
      if (!entry) return;
      entry.inputTokens = (entry.inputTokens ?? 0) + counts.inputTokens;
      entry.outputTokens = (entry.outputTokens ?? 0) + counts.outputTokens;
    },
    recent(limit) {
      const out: RecentRequest[] = [];
      for (let s = seq; s > 0 && s > seq - size && out.length < limit; s--) {
        const e = ring[s % size];
        if (!e || e.seq !== s) break;
        out.push(summary(e));
      }
      return out;
    },
    minutes(count) {
      const n = Math.min(count, slots);
      const current = Math.floor(opts.clock() / MINUTE_MS);
      const out: MinuteTotals[] = [];
      for (let m = current - n + 1; m <= current; m++) {
        const b = buckets[((m % slots) + slots) % slots]!;
        const live = b.minute === m;
        out.push({
          minute: new Date(m * MINUTE_MS).toISOString(),
          requests: live ? b.requests : 0,
          errors: live ? b.errors : 0,
          latency_ms_avg: live && b.latencyCount ? Math.round((b.latencySum / b.latencyCount) * 100) / 100 : null,
          input_tokens: live ? b.input : 0,
          output_tokens: live ? b.output : 0,
        });
      }
      return out;
    },
  };
}

function summary(e: FeedEntry): RecentRequest {
  return {
    seq: e.seq,
    time: new Date(e.time).toISOString(),
    request_id: e.requestId,
    method: e.method,
    route: e.route,
    status: e.status,
    ...(e.model !== undefined && { model: e.model }),
    ...(e.keyId !== undefined && { key_id: e.keyId }),
    ...(e.accountId !== undefined && { account_id: e.accountId }),
    ...(e.latencyMs !== undefined && { latency_ms: e.latencyMs }),
    ...(e.inputTokens !== undefined && { input_tokens: e.inputTokens }),
    ...(e.outputTokens !== undefined && { output_tokens: e.outputTokens }),
    ...(e.errorType !== undefined && { error_type: e.errorType }),
  };
}
