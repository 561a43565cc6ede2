import { Command, Option } from "clipanion";
import { lstatSync } from "node:fs";
import { ServiceCommand } from "./service-command.ts";
import { configPathInUnit, SERVICE_USER, UNIT_NAME, WRITTEN_BY } from "./systemd-unit.ts";

export class ServiceUninstallCommand extends ServiceCommand {
  static override paths = [["service", "uninstall"]];
  static override usage = Command.Usage({
    category: "Service",
    description: "remove the systemd unit `service install` wrote, and print what to run",
    details:
      "Removes the unit, its enablement link and (system service) the sysusers declaration. The configuration, master key and " +
      "usage ledger are kept. A unit this command did not write is left alone unless --force is given.",
  });

  force = Option.Boolean("--force", false, { description: "Remove the unit even when `service install` did not write it" });

  run() {
    const paths = this.servicePaths();
    const unit = this.readIfExists(paths.unit);
    if (unit === undefined) throw new Error(`no ${this.scope} unit at ${paths.unit}: nothing to uninstall`);
    if (!unit.startsWith(WRITTEN_BY) && !this.force) {
      this.usageError(`${paths.unit} was not written by \`llm-gateway service install\`; add --force to remove it anyway`);
    }
    const removed: string[] = [];
    for (const path of [paths.unit, paths.enabledLink, paths.sysusers]) {
      if (path === undefined) continue;
      if (path === paths.sysusers && !(this.readIfExists(path)?.startsWith(WRITTEN_BY) ?? false)) continue;
      if (!this.present(path)) continue;
      this.removeFile(path);
      removed.push(path === paths.enabledLink ? `removed ${path} (it enabled the service at boot)` : `removed ${path}`);
    }
    const config = configPathInUnit(unit);
    const sc = this.systemctl;
    this.print(
      [
        ...removed,
        "",
        "To stop the running service and forget the unit:",
        `  ${sc} stop ${UNIT_NAME}`,
        `  ${sc} daemon-reload`,
        "",
        `Kept: ${config ? `${config} with its master key and usage ledger` : "the configuration"}` +
          (this.user ? "." : `, and the system user ${SERVICE_USER} (userdel ${SERVICE_USER} removes it).`),
      ].join("\n"),
    );
  }

  /** Whether a file or link (a dangling enablement link included) is there. */
  private present(path: string): boolean {
    try {
      lstatSync(this.onRoot(path));
      return true;
    } catch {
      return false;
    }
  }
}
