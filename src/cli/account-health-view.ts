import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { FetchLike } from "./base-command.ts";
import type { AccountHealthSummary, HealthDocument } from "../server/health-document.ts";
import type { ConfigStore } from "../config/store.ts";
import { healthToken, probeHealth, type ProbeResult } from "./probe-health.ts";

/** What the CLI shows about one account's health (from the running server's /health). */
export interface AccountHealthView {
  /** healthy, cooling, circuit_open, half_open, auth_failed; `disabled` (config), `unknown` (server down or not listed). */
  health: string;
  until?: string;
  reason?: string;
  detail?: string;
  consecutive_failures?: number;
}

/**
 * The running server's account health by id; `report` undefined when nothing answers. The server lists its accounts
 * only to a credential: the CLI's comes from the master key (probe-health.ts healthToken).
 */
export async function fetchAccountHealth(
  fetch: FetchLike,
  config: Config,
  store: ConfigStore,
): Promise<{ probe: ProbeResult; report?: HealthDocument; byId: Map<string, AccountHealthSummary> }> {
  const probe = await probeHealth(fetch, config.server.host, config.server.port, { token: healthToken(store) });
  const report = probe.up ? probe.report : undefined;
  return { probe, report, byId: new Map((report?.accounts?.items ?? []).map((i) => [i.id, i])) };
}

export function accountHealthView(account: UpstreamAccount, item: AccountHealthSummary | undefined): AccountHealthView {
  if (account.status === "disabled") return { health: "disabled" };
  // Its refresh token was refused: the router leaves it out until `oauth start` (no /health item then).
  if (account.oauth?.needs_reauth) return { health: "needs re-login" };
  if (!item) return { health: "unknown" };
  return {
    health: item.state,
    ...(item.until !== undefined && { until: item.until }),
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
