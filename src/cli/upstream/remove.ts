import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { removeAccount } from "../../config/edits/upstream-accounts.ts";

export class UpstreamRemoveCommand extends BaseCommand {
  static override paths = [["upstream", "remove"]];
  static override usage = Command.Usage({ category: "Upstream accounts", description: "delete an upstream account" });

  id = Option.String({ name: "id" });

  run() {
    const removed = removeAccount(this.store(), this.id);
    this.print(`Removed upstream account ${removed.id} (${removed.name})`);
  }
}
