import { Command, Option } from "clipanion";
import { BaseCommand } from "./base-command.ts";
import { healthExitCode, healthToken, probeHealth } from "./probe-health.ts";

export class HealthCommand extends BaseCommand {
  static override paths = [["health"]];
  static override usage = Command.Usage({
    category: "Monitoring",
    description: "Ask the running gateway for its health",
    details: "Exit code 0 when the gateway answers ok or degraded; 1 when it is unhealthy or nothing answers.",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const config = this.store().load();
    const probe = await probeHealth(this.context.fetch, config.server.host, config.server.port, { token: healthToken(this.store()) });
    if (!probe.up || !probe.report) {
      const why = probe.up ? `${probe.url} answered HTTP ${probe.httpStatus} without a health report` : probe.error;
      this.output(this.json, { status: "down", url: probe.url, error: why }, () => `down: ${why}`);
      return 1;
    }
    const report = probe.report;
    const names = new Map(config.upstream_accounts.map((a) => [a.id, a.name]));
    this.output(this.json, report, () =>
      [
        // Version and uptime come with the details only (a server started with another master key withholds them).
        `${report.status}: ${report.version !== undefined ? `version ${report.version}, up ${report.uptime_s}s, ` : ""}${report.accounts.healthy}/${report.accounts.total} accounts healthy`,
        ...(report.accounts.items ?? [])
          .filter((a) => a.state !== "healthy")
          .map((a) => `  ${names.get(a.id) ?? a.id}: ${a.state}${a.until ? ` until ${new Date(a.until).toISOString()}` : ""}`),
        ...(report.usage_ledger?.state === "degraded" ? [`  usage ledger: degraded: ${report.usage_ledger.reason ?? "unknown"} (${report.usage_ledger.buffered} rows waiting)`] : []),
        ...(report.state_store?.state === "degraded" ? [`  shared state (${report.state_store.backend}): degraded: ${report.state_store.reason ?? "unknown"}`] : []),
      ].join("\n"),
    );
    return healthExitCode(probe);
  }
}
