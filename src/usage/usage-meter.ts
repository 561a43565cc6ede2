/**
 * In-process usage counters: requests, errors, tokens and latency per gateway key, upstream account and model.
 * Recording is a few Map lookups and additions (it runs on every request); reading happens on /metrics scrapes.
 */
export interface UsageSample {
  keyId?: string;
  accountId?: string;
  model?: string;
  /** HTTP status the client got. */
  status: number;
  latencyMs: number;
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  latencyMsSum: number;
}

export interface UsageMeter {
  record(sample: UsageSample): void;
  /** Totals per (key, account, model, status class). */
  snapshot(): { labels: { key: string; account: string; model: string; status: string }; totals: UsageTotals }[];
  /** Latency histogram over all requests: bucket upper bounds (ms) → cumulative counts. */
  latencyHistogram(): { bounds: number[]; counts: number[]; sum: number; count: number };
}

const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

export function createUsageMeter(): UsageMeter {
  const rows = new Map<string, { labels: { key: string; account: string; model: string; status: string }; totals: UsageTotals }>();
  const buckets = new Array<number>(BOUNDS.length + 1).fill(0);
  let latencySum = 0;
  let latencyCount = 0;

  return {
    record(s) {
      const status = `${Math.floor(s.status / 100)}xx`;
      const key = s.keyId ?? "-";
      const account = s.accountId ?? "-";
      const model = s.model ?? "-";
      const id = `${key}\u0000${account}\u0000${model}\u0000${status}`;
      let row = rows.get(id);
      if (!row) {
        row = { labels: { key, account, model, status }, totals: { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, latencyMsSum: 0 } };
        rows.set(id, row);
      }
      const t = row.totals;
      t.requests++;
      if (s.status >= 400) t.errors++;
      t.inputTokens += s.inputTokens ?? 0;
      t.outputTokens += s.outputTokens ?? 0;
      t.cachedTokens += s.cachedTokens ?? 0;
      t.latencyMsSum += s.latencyMs;
      let i = 0;
      while (i < BOUNDS.length && s.latencyMs > BOUNDS[i]!) i++;
      buckets[i]!++;
      latencySum += s.latencyMs;
      latencyCount++;
    },
    snapshot: () => [...rows.values()].map((r) => ({ labels: { ...r.labels }, totals: { ...r.totals } })),
    latencyHistogram() {
      const counts: number[] = [];
      let acc = 0;
      for (let i = 0; i < BOUNDS.length; i++) counts.push((acc += buckets[i]!));
      return { bounds: [...BOUNDS], counts, sum: latencySum, count: latencyCount };
    },
  };
}
