import { MAX_MODEL_LABEL, MAX_MODELS, type UsageMeter } from "./usage-meter.ts";

export interface AccountGauge {
  id: string;
  provider: string;
  state: string;
  inFlight: number;
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}`;

/** The Prometheus text exposition format (version 0.0.4) of the gateway's counters and gauges. */
export function renderPrometheus(meter: UsageMeter, accounts: AccountGauge[], uptimeSeconds: number): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const rows = meter.snapshot();

  family(
    "llm_gateway_requests_total",
    "counter",
    `Requests answered, by gateway key, upstream account, model and status class (the first ${MAX_MODELS} model names of at most ${MAX_MODEL_LABEL} characters; the rest as model="other").`,
  );
  for (const r of rows) out.push(`llm_gateway_requests_total${labels(r.labels)} ${r.totals.requests}`);
  family(
    "llm_gateway_tokens_total",
    "counter",
    "Tokens reported by upstreams, by direction: input (includes cached and cache_write), output (includes reasoning), cached (prompt cache reads), cache_write, reasoning.",
  );
  for (const r of rows) {
    out.push(`llm_gateway_tokens_total${labels({ ...r.labels, direction: "input" })} ${r.totals.inputTokens}`);
    out.push(`llm_gateway_tokens_total${labels({ ...r.labels, direction: "output" })} ${r.totals.outputTokens}`);
    out.push(`llm_gateway_tokens_total${labels({ ...r.labels, direction: "cached" })} ${r.totals.cachedTokens}`);
    out.push(`llm_gateway_tokens_total${labels({ ...r.labels, direction: "cache_write" })} ${r.totals.cacheWriteTokens}`);
    out.push(`llm_gateway_tokens_total${labels({ ...r.labels, direction: "reasoning" })} ${r.totals.reasoningTokens}`);
  }
  family(
    "llm_gateway_cost_usd_total",
    "counter",
    "USD spent, by gateway key, upstream account and model, at the usage ledger's prices (requests of models without a price add nothing).",
  );
  // Tokens and cost are kept in the 2xx row of their labels (usage-meter.ts), so the status label adds nothing here.
  for (const r of rows) {
    if (r.labels.status === "2xx") out.push(`llm_gateway_cost_usd_total${labels({ key: r.labels.key, account: r.labels.account, model: r.labels.model })} ${r.totals.costUsd}`);
  }
  const h = meter.latencyHistogram();
  family("llm_gateway_request_duration_ms", "histogram", "Time until the response headers were sent (ms).");
  h.bounds.forEach((b, i) => out.push(`llm_gateway_request_duration_ms_bucket{le="${b}"} ${h.counts[i]}`));
  out.push(`llm_gateway_request_duration_ms_bucket{le="+Inf"} ${h.count}`, `llm_gateway_request_duration_ms_sum ${h.sum}`, `llm_gateway_request_duration_ms_count ${h.count}`);
  family("llm_gateway_account_healthy", "gauge", "1 when the upstream account is healthy, 0 otherwise.");
  for (const a of accounts) out.push(`llm_gateway_account_healthy${labels({ account: a.id, provider: a.provider, state: a.state })} ${a.state === "healthy" ? 1 : 0}`);
  family("llm_gateway_account_in_flight", "gauge", "Requests in flight per upstream account.");
  for (const a of accounts) out.push(`llm_gateway_account_in_flight${labels({ account: a.id, provider: a.provider })} ${a.inFlight}`);
  family("llm_gateway_uptime_seconds", "gauge", "Seconds since the server started.");
  out.push(`llm_gateway_uptime_seconds ${uptimeSeconds}`);
  return `${out.join("\n")}\n`;
}
