import { api } from "../api.ts";
import { chart, type Point } from "../charts.ts";
import { badge, clear, fmtInt, fmtMs, fmtUsd, h, healthTone, table } from "../dom.ts";
import type { Page } from "../main.ts";
import type { AdminAccount, MetricsSummary, UsageDocument } from "../types.ts";

const REFRESH_MS = 5000;

/**
 * Accounts and their health, then traffic: requests per minute, error rate, latency, tokens and cost. Tokens and
 * cost over the last 24 hours come from the usage ledger once the gateway records usage; until then the live
 * per-minute counters of the last hour stand in (cost needs the ledger's prices).
 */
export const dashboardPage: Page = (main, ctx) => {
  const stats = h("div", { class: "stats", "aria-live": "polite" });
  const charts = h("div", { class: "charts" });
  const accounts = h("section", { "aria-labelledby": "dash-accounts" });
  main.append(h("h1", {}, "Dashboard"), stats, h("h2", { id: "dash-accounts" }, "Accounts"), accounts, h("h2", {}, "Traffic"), charts);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const render = async () => {
    try {
      const [metrics, list, usage] = await Promise.all([
        api<MetricsSummary>("GET", "/metrics"),
        api<AdminAccount[]>("GET", "/accounts"),
        api<UsageDocument>("GET", "/usage?since=24h&by=hour").catch(() => undefined),
      ]);
      if (stopped) return;
      renderStats(stats, metrics);
      renderAccounts(accounts, list);
      renderCharts(charts, metrics, usage);
    } catch (e) {
      if (!stopped) ctx.toast((e as Error).message, "bad");
    }
    if (!stopped) timer = setTimeout(render, REFRESH_MS);
  };
  render();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
};

function stat(label: string, value: string, note?: string): HTMLElement {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("span", { class: "stat-value" }, value), note ? h("span", { class: "stat-note" }, note) : null);
}

function renderStats(el: HTMLElement, m: MetricsSummary) {
  const last5 = m.minutes.slice(-5);
  const perMin = last5.reduce((s, b) => s + b.requests, 0) / last5.length;
  const hour = m.minutes.reduce((s, b) => ({ r: s.r + b.requests, e: s.e + b.errors, t: s.t + b.input_tokens + b.output_tokens, l: s.l + (b.latency_ms_avg ?? 0) * b.requests }), { r: 0, e: 0, t: 0, l: 0 });
  clear(el);
  el.append(
    stat("Requests / min", perMin.toFixed(1), "last 5 minutes"),
    stat("Error rate", hour.r ? `${((hour.e / hour.r) * 100).toFixed(1)}%` : "–", "last hour"),
    stat("Latency", hour.r ? fmtMs(hour.l / hour.r) : "–", "average, last hour"),
    stat("Tokens", fmtInt(hour.t), "last hour"),
    stat("Accounts healthy", `${m.accounts.healthy} / ${m.accounts.total}`),
    stat("Requests", fmtInt(m.totals.requests), `since start (${Math.round(m.uptime_s / 60)} min)`),
  );
}

function renderAccounts(el: HTMLElement, list: AdminAccount[]) {
  clear(el);
  el.append(
    table(
      "Accounts and their health",
      ["Account", "Provider", "Health", "Why"],
      list.map((a) => [
        h("span", {}, a.name, h("br"), h("small", { class: "muted" }, a.id)),
        a.provider,
        badge(a.health.state, healthTone(a.health.state)),
        [a.health.detail ?? a.health.reason ?? "", a.health.until ? ` (until ${new Date(a.health.until).toLocaleTimeString("en-GB")})` : ""].join(""),
      ]),
      "No upstream accounts yet: add one on the Accounts page.",
    ),
  );
}

const hhmm = (iso: string) => iso.slice(11, 16);

function renderCharts(el: HTMLElement, m: MetricsSummary, usage: UsageDocument | undefined) {
  clear(el);
  const minutes = m.minutes;
  el.append(
    chart({ title: "Requests per minute, last hour (errors in red)", kind: "bar", points: minutes.map((b) => ({ label: hhmm(b.minute), value: b.requests, part: b.errors })) }),
    chart({
      title: "Error rate per minute, last hour (%)",
      kind: "line",
      points: minutes.map((b) => ({ label: hhmm(b.minute), value: b.requests ? (b.errors / b.requests) * 100 : null })),
      format: (n) => `${+n.toFixed(1)}%`,
    }),
    chart({ title: "Latency per minute, last hour (average, ms)", kind: "line", points: minutes.map((b) => ({ label: hhmm(b.minute), value: b.latency_ms_avg })), unit: "ms" }),
  );
  if (usage?.recorded && usage.rows.length) {
    const rows = [...usage.rows].sort((a, b) => String(a.group).localeCompare(String(b.group)));
    const label = (g: unknown) => String(g).slice(11, 16) || String(g);
    el.append(
      chart({ title: "Tokens per hour, last 24 hours (usage ledger)", kind: "bar", points: rows.map((r) => ({ label: label(r.group), value: r.inputTokens + r.outputTokens })) }),
      chart({
        title: `Cost per hour, last 24 hours (usage ledger; ${fmtUsd(usage.totals.costUsd)} in all)`,
        kind: "bar",
        points: rows.map((r): Point => ({ label: label(r.group), value: r.costUsd })),
        format: (n) => fmtUsd(n),
      }),
    );
  } else {
    el.append(
      chart({ title: "Tokens per minute, last hour (live counters)", kind: "bar", points: minutes.map((b) => ({ label: hhmm(b.minute), value: b.input_tokens + b.output_tokens })) }),
      h("p", { class: "muted small" }, "Cost over time appears once the gateway records usage in its usage ledger (it prices each request); until then tokens come from the live counters."),
    );
  }
}
