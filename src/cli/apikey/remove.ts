import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../find-item.ts";

export class ApiKeyRemoveCommand extends BaseCommand {
  static override paths = [["apikey", "remove"]];
  static override usage = Command.Usage({ category: "Gateway keys", description: "delete a gateway key; clients using it are refused at once" });

  id = Option.String({ name: "id" });

  run() {
    const removed = this.store().update((c) => c.gateway_keys.splice(findIndex(c.gateway_keys, this.id, "gateway key"), 1)[0]!);
    this.print(`Removed gateway key ${removed.id} (${removed.name})`);
  }
}
