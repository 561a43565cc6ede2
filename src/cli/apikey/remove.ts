import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { removeGatewayKey } from "../../config/edits/gateway-keys.ts";

export class ApiKeyRemoveCommand extends BaseCommand {
  static override paths = [["apikey", "remove"]];
  static override usage = Command.Usage({ category: "Gateway keys", description: "delete a gateway key; clients using it are refused at once" });

  id = Option.String({ name: "id" });

  run() {
    const removed = removeGatewayKey(this.store(), this.id);
    this.print(`Removed gateway key ${removed.id} (${removed.name})`);
  }
}
