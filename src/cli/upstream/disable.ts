import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { setAccountStatus } from "../../config/edits/upstream-accounts.ts";

export class UpstreamDisableCommand extends BaseCommand {
  static override paths = [["upstream", "disable"]];
  static override usage = Command.Usage({ category: "Upstream accounts", description: "take an account out of rotation without deleting it" });

  id = Option.String({ name: "id" });

  run() {
    const r = setAccountStatus(this.store(), this.id, "disabled");
    this.print(r.changed ? `Disabled upstream account ${r.id} (${r.name})` : `Upstream account ${r.id} (${r.name}) is already disabled`);
  }
}
