import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { FetchLike } from "./base-command.ts";
import { type AccountHealthItem, type HealthReport, probeHealth, type ProbeResult } from "./probe-health.ts";

/** What the CLI shows about one account's health (from the running server's /health). */
export interface AccountHealthView {
  /** healthy, cooling, circuit_open, half_open, auth_failed; `disabled` (config), `unknown` (server down or not listed). */
  health: string;
  until?: string;
  reason?: string;
  detail?: string;
  consecutive_failures?: number;
}

/** The running server's account health by id; `report` undefined when nothing answers. */
export async function fetchAccountHealth(fetch: FetchLike, config: Config): Promise<{ probe: ProbeResult; report?: HealthReport; byId: Map<string, AccountHealthItem> }> {
  const probe = await probeHealth(fetch, config.server.host, config.server.port);
  const report = probe.up ? probe.report : undefined;
  return { probe, report, byId: new Map((report?.accounts?.items ?? []).map((i) => [i.id, i])) };
}

export function accountHealthView(account: UpstreamAccount, item: AccountHealthItem | undefined): AccountHealthView {
  if (account.status === "disabled") return { health: "disabled" };
  // Its refresh token was refused: the router leaves it out until `oauth start` (no /health item then).
  if (account.oauth?.needs_reauth) return { health: "needs re-login" };
  if (!item) return { health: "unknown" };
  const until = item.until === undefined ? undefined : typeof item.until === "number" ? new Date(item.until).toISOString() : item.until;
  return {
    health: item.state,
    ...(until !== undefined && { until }),
    ...(item.reason !== undefined && { reason: item.reason }),
    ...(item.detail !== undefined && { detail: item.detail }),
    ...(item.consecutive_failures !== undefined && { consecutive_failures: item.consecutive_failures }),
  };
}

/** Short form for a table cell: `cooling until … (rate_limited)`, `circuit_open until … (3 failures)`, `AUTH FAILED (401)`. */
export function healthLabel(v: AccountHealthView): string {
  if (v.health === "auth_failed") return `AUTH FAILED${v.reason?.startsWith("auth_") ? ` (${v.reason.slice(5)})` : ""}`;
  let text = v.until ? `${v.health} until ${v.until}` : v.health;
  if (v.health === "circuit_open" || v.health === "half_open") {
    if (v.consecutive_failures) text += ` (${v.consecutive_failures} failures)`;
  } else if (v.reason) text += ` (${v.reason})`;
  return text;
}

/** A plain sentence for an account failing authentication, with what to do; undefined otherwise. */
export function authFailureNotice(account: UpstreamAccount, v: AccountHealthView): string | undefined {
  if (v.health !== "auth_failed") return undefined;
  const code = v.reason?.startsWith("auth_") ? v.reason.slice(5) : "401/403";
  const fix =
    account.type === "oauth"
      ? `log in again with \`llm-gateway oauth start ${account.id}\``
      : "check or replace its API key (`llm-gateway upstream remove` then `upstream add`)";
  return `upstream account ${account.name} (${account.id}) fails authentication: the provider answered ${code}. It gets no traffic until its credential changes or a probe passes; ${fix}.`;
}
