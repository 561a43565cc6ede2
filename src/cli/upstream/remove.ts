import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../find-item.ts";

export class UpstreamRemoveCommand extends BaseCommand {
  static override paths = [["upstream", "remove"]];
  static override usage = Command.Usage({ category: "Upstream accounts", description: "delete an upstream account" });

  id = Option.String({ name: "id" });

  run() {
    const removed = this.store().update(
      (c) => c.upstream_accounts.splice(findIndex(c.upstream_accounts, this.id, "upstream account"), 1)[0]!,
    );
    this.print(`Removed upstream account ${removed.id} (${removed.name})`);
  }
}
