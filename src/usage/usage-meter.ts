/**
 * In-process usage counters: requests, errors, tokens and latency per gateway key, upstream account and model.
 * Recording is a few Map lookups and additions (it runs on every request); reading happens on /metrics scrapes.
 */
export interface UsageLabels {
  keyId?: string;
  accountId?: string;
  model?: string;
  /** Not a label: lets `onTokens` tie the tokens to their request (the admin UI's live view). */
  requestId?: string;
}

/** Tokens as the canonical model counts them: input includes cached and cache-written tokens, output reasoning. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** USD of the requests whose cost is known (usage/prices). */
  costUsd: number;
  latencyMsSum: number;
}

export interface UsageMeter {
  /** One answered request (status the client got; time until its response headers). */
  request(labels: UsageLabels, status: number, latencyMs: number): void;
  /**
   * Tokens an upstream reported, once its answer is complete (a stream's come at its end), and the request's cost
   * in USD when it is known.
   */
  tokens(labels: UsageLabels, usage: TokenCounts, costUsd?: number | null): void;
  /** Totals per (key, account, model, status class; tokens under status "2xx"). */
  snapshot(): { labels: { key: string; account: string; model: string; status: string }; totals: UsageTotals }[];
  /** Latency histogram over all requests: bucket upper bounds (ms) → cumulative counts. */
  latencyHistogram(): { bounds: number[]; counts: number[]; sum: number; count: number };
}

/**
 * Bounds on what clients can make /metrics grow by: model names are the clients' (any name a catch-all account
 * serves), so at most MAX_MODELS distinct names get a label of their own, each at most MAX_MODEL_LABEL characters;
 * later or longer names are counted under `other`. Past MAX_ROWS label combinations in all, new ones share one row.
 */
export const MAX_MODELS = 100;
export const MAX_MODEL_LABEL = 128;
const MAX_ROWS = 10_000;
const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

const STATUS_CLASS = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

type Row = { labels: { key: string; account: string; model: string; status: string }; totals: UsageTotals };

export function createUsageMeter(opts: { onTokens?: (labels: UsageLabels, usage: TokenCounts) => void } = {}): UsageMeter {
  const onTokens = opts.onTokens;
  // key → account → model → status class → row: four lookups of strings the request already holds, no
  // composite key built per request.
  const tree = new Map<string, Map<string, Map<string, Map<string, Row>>>>();
  const rows: Row[] = [];
  const buckets = new Array<number>(BOUNDS.length + 1).fill(0);
  let latencySum = 0;
  let latencyCount = 0;
  const models = new Set<string>();
  const modelLabel = (model: string | undefined): string => {
    if (model === undefined) return "-";
    if (models.has(model)) return model;
    if (model.length > MAX_MODEL_LABEL || models.size >= MAX_MODELS) return "other";
    models.add(model);
    return model;
  };
  const row = (l: UsageLabels, status: string): UsageTotals => {
    const key = l.keyId ?? "-";
    const account = l.accountId ?? "-";
    const model = modelLabel(l.model);
    const found = tree.get(key)?.get(account)?.get(model)?.get(status);
    if (found) return found.totals;
    // Labels come partly from clients (model names): past a bound, new combinations share one row.
    if (rows.length >= MAX_ROWS && key !== "other") return row({ keyId: "other", accountId: "other", model: "other" }, status);
    const r: Row = { labels: { key, account, model, status }, totals: { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMsSum: 0 } };
    let byAccount = tree.get(key);
    if (!byAccount) tree.set(key, (byAccount = new Map()));
    let byModel = byAccount.get(account);
    if (!byModel) byAccount.set(account, (byModel = new Map()));
    let byStatus = byModel.get(model);
    if (!byStatus) byModel.set(model, (byStatus = new Map()));
    byStatus.set(status, r);
    rows.push(r);
    return r.totals;
  };

  return {
    request(l, status, latencyMs) {
      const t = row(l, STATUS_CLASS[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`);
      t.requests++;
      if (status >= 400) t.errors++;
      t.latencyMsSum += latencyMs;
      let i = 0;
      while (i < BOUNDS.length && latencyMs > BOUNDS[i]!) i++;
      buckets[i]!++;
      latencySum += latencyMs;
      latencyCount++;
    },
    tokens(l, u, costUsd) {
      const t = row(l, "2xx");
      t.inputTokens += u.inputTokens;
      t.outputTokens += u.outputTokens;
      t.cachedTokens += u.cacheReadTokens ?? 0;
      t.cacheWriteTokens += u.cacheWriteTokens ?? 0;
      t.reasoningTokens += u.reasoningTokens ?? 0;
      if (costUsd) t.costUsd += costUsd;
      onTokens?.(l, u);
    },
    snapshot: () => rows.map((r) => ({ labels: { ...r.labels }, totals: { ...r.totals } })),
    latencyHistogram() {
      const counts: number[] = [];
      let acc = 0;
      for (let i = 0; i < BOUNDS.length; i++) counts.push((acc += buckets[i]!));
      return { bounds: [...BOUNDS], counts, sum: latencySum, count: latencyCount };
    },
  };
}
