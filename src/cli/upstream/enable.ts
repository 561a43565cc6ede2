import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { setAccountStatus } from "../../config/edits/upstream-accounts.ts";

export class UpstreamEnableCommand extends BaseCommand {
  static override paths = [["upstream", "enable"]];
  static override usage = Command.Usage({ category: "Upstream accounts", description: "put a disabled account back into rotation" });

  id = Option.String({ name: "id" });

  run() {
    const r = setAccountStatus(this.store(), this.id, "active");
    this.print(r.changed ? `Enabled upstream account ${r.id} (${r.name})` : `Upstream account ${r.id} (${r.name}) is already enabled`);
  }
}
