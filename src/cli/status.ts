import { Command, Option } from "clipanion";
import { BaseCommand } from "./base-command.ts";
import { keyState } from "./apikey/key-state.ts";
import { formatTable } from "./format-table.ts";
import { accountHealthView, authFailureNotice, fetchAccountHealth, healthLabel } from "./account-health-view.ts";
import { healthExitCode } from "./probe-health.ts";
import type { LedgerHealthSummary, StateStoreHealthSummary } from "../server/health-document.ts";

export class StatusCommand extends BaseCommand {
  static override paths = [["status"]];
  static override usage = Command.Usage({
    category: "General",
    description: "overview: gateway keys, upstream accounts and their health, routes, whether the server is up",
    details:
      "Health comes from the running server's /health; when it does not answer, account health is unknown. " +
      "Exit code 0 when the gateway answers ok or degraded; 1 when it is unhealthy or nothing answers (as `health`).",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const config = this.store().load();
    const { probe, report, byId } = await fetchAccountHealth(this.context.fetch, config, this.store());
    const now = Date.now();

    const notices: string[] = [];
    const accounts = config.upstream_accounts.map((a) => {
      const view = accountHealthView(a, byId.get(a.id));
      const notice = authFailureNotice(a, view);
      if (notice) notices.push(notice);
      return { id: a.id, name: a.name, provider: a.provider, status: a.status, ...view };
    });
    const keys = {
      total: config.gateway_keys.length,
      active: config.gateway_keys.filter((k) => keyState(k, now) === "active").length,
    };
    const server = probe.up
      ? {
          up: true,
          url: probe.url,
          ...(report && { status: report.status, version: report.version, uptime_s: report.uptime_s }),
          ...(report?.usage_ledger && { usage_ledger: report.usage_ledger }),
          ...(report?.state_store && { state_store: report.state_store }),
        }
      : { up: false, url: probe.url, error: probe.error };
    const doc = { config: this.configPath(), server, keys, accounts, routes: config.model_routes, ...(notices.length > 0 && { problems: notices }) };

    this.output(this.json, doc, () => {
      const lines = [`config    ${doc.config}`];
      if (!probe.up) lines.push(`server    down (${probe.error})`);
      else {
        const bits = [report?.status, report?.version && `version ${report.version}`, report?.uptime_s !== undefined && `up ${report.uptime_s}s`];
        lines.push(`server    up at ${probe.url.replace(/\/health$/, "")}${bits.some(Boolean) ? ` (${bits.filter(Boolean).join(", ")})` : ""}`);
      }
      // The ledger's state comes with the details (the CLI's token); a server answering with details but no ledger has it off.
      if (report?.accounts.items) lines.push(`ledger    ${ledgerLine(report.usage_ledger)}`);
      if (report?.accounts.items) lines.push(`state     ${stateLine(report.state_store)}`);
      lines.push(`keys      ${keys.total} (${keys.active} active)`);
      // Without the details (another master key than the server's) the server's own count still says something.
      const healthy = report && !report.accounts.items ? report.accounts.healthy : accounts.filter((a) => a.health === "healthy").length;
      lines.push(`accounts  ${accounts.length}${probe.up ? ` (${healthy} healthy)` : ""}`);
      if (accounts.length) {
        lines.push(
          indent(
            formatTable(
              ["ID", "NAME", "PROVIDER", "STATUS", "HEALTH"],
              accounts.map((a) => [a.id, a.name, a.provider, a.status, healthLabel(a)]),
            ),
          ),
        );
        // Said plainly, not only as a table cell: an account that cannot authenticate needs a person.
        for (const n of notices) lines.push(`  ! ${n}`);
      }
      lines.push(`routes    ${config.model_routes.length}`);
      if (config.model_routes.length) {
        lines.push(
          indent(
            formatTable(
              ["ID", "FROM", "TO", "PROVIDER", "PRIORITY"],
              config.model_routes.map((r) => [r.id, r.source_model, r.target_model, r.target_provider ?? "any", String(r.priority)]),
            ),
          ),
        );
      }
      return lines.join("\n");
    });
    return healthExitCode(probe);
  }
}

const indent = (text: string) => text.replace(/^/gm, "  ");

function stateLine(s: StateStoreHealthSummary | undefined): string {
  if (!s) return "this process only (no Redis, no workers)";
  const where = s.backend === "redis" ? "shared in Redis" : "shared by the workers";
  if (s.state === "ok") return `${where}: ok`;
  return `${where}: DEGRADED since ${s.since ?? "?"}: ${s.reason ?? "unknown"}; requests are served with each process's own state (limits count per process)`;
}

function ledgerLine(l: LedgerHealthSummary | undefined): string {
  if (!l) return "off (usage.enabled: false)";
  const counts = `${l.written} rows written, ${l.buffered} waiting${l.dropped ? `, ${l.dropped} dropped` : ""}`;
  if (l.state === "ok") return `ok (${counts})`;
  return `DEGRADED since ${l.since ?? "?"}: ${l.reason ?? "unknown"} (${counts}); requests are still served`;
}
