import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { healthExitCode, healthToken, probeHealth } from "../probe-health.ts";

export class ServerStatusCommand extends BaseCommand {
  static override paths = [["server", "status"]];
  static override usage = Command.Usage({
    category: "Server",
    description: "Say whether a gateway answers on the configured address, with a configuration summary",
    details: "Exit code 0 when the gateway answers ok or degraded; 1 when it is unhealthy or nothing answers (as `health`).",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const store = this.store();
    const config = store.load();
    const probe = await probeHealth(this.context.fetch, config.server.host, config.server.port, { token: healthToken(store) });
    const report = probe.up ? probe.report : undefined;
    const summary = {
      config: store.path,
      address: `${config.server.host}:${config.server.port}`,
      running: probe.up,
      health: report ?? null,
      keys: config.gateway_keys.length,
      accounts: config.upstream_accounts.length,
      routes: config.model_routes.length,
    };
    this.output(this.json, summary, () =>
      [
        probe.up
          ? `running: ${probe.url} answers ${report ? `${report.status}${report.version !== undefined ? `, version ${report.version}, up ${report.uptime_s}s` : ""}` : `HTTP ${probe.httpStatus}`}`
          : `not running: ${probe.error}`,
        `config:   ${summary.config}`,
        `listen:   ${summary.address}`,
        `keys:     ${summary.keys}`,
        `accounts: ${summary.accounts}${report?.accounts ? ` (${report.accounts.healthy}/${report.accounts.total} healthy)` : ""}`,
        `routes:   ${summary.routes}`,
      ].join("\n"),
    );
    return healthExitCode(probe);
  }
}
