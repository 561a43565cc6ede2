import type { UsageRow } from "../usage-row.ts";

/** A plausible ledger row; tests override what they look at. */
export function usageRow(over: Partial<UsageRow> = {}): UsageRow {
  return {
    time: Date.UTC(2026, 0, 15, 10, 30),
    requestId: "req_1",
    keyId: "key-a",
    accountId: "acct-1",
    provider: "anthropic",
    modelRequested: "claude-sonnet-4",
    modelServed: "claude-sonnet-4-20250514",
    clientDialect: "anthropic-messages",
    upstreamDialect: "anthropic-messages",
    stream: true,
    attempts: 1,
    status: 200,
    errorType: null,
    ttfbMs: 120,
    totalMs: 900,
    inputTokens: 1000,
    outputTokens: 200,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.006,
    ...over,
  };
}

/** A seeded generator (xorshift) so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** `count` rows spread over [from, to) with a mix of keys, accounts, models, statuses and unknown costs. */
export function randomRows(seed: number, count: number, from: number, to: number): UsageRow[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const rows: UsageRow[] = [];
  for (let i = 0; i < count; i++) {
    const failed = r() < 0.15;
    const unknown = r() < 0.1;
    const noUsage = failed && r() < 0.5;
    rows.push(
      usageRow({
        time: from + Math.floor(r() * (to - from)),
        requestId: `req_${seed}_${i}`,
        keyId: pick(["key-a", "key-b", "key-c", null]),
        accountId: failed && r() < 0.3 ? null : pick(["acct-1", "acct-2"]),
        modelServed: failed ? null : pick(["claude-sonnet-4", "gpt-4o", "mystery-model"]),
        modelRequested: pick(["claude-sonnet-4", "gpt-4o", "mystery-model"]),
        stream: r() < 0.5,
        status: failed ? pick([400, 429, 502]) : 200,
        errorType: failed ? "upstream_error" : null,
        ttfbMs: r() < 0.8 ? Math.floor(r() * 500) : null,
        totalMs: Math.floor(r() * 3000),
        inputTokens: noUsage ? null : Math.floor(r() * 5000),
        outputTokens: noUsage ? null : Math.floor(r() * 1000),
        cacheReadTokens: noUsage ? null : Math.floor(r() * 500),
        cacheWriteTokens: noUsage ? null : Math.floor(r() * 100),
        reasoningTokens: noUsage ? null : Math.floor(r() * 50),
        costUsd: unknown || noUsage ? null : Math.round(r() * 1e6) / 1e8,
      }),
    );
  }
  return rows;
}
