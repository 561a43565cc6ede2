import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { setGatewayKeyStatus } from "../../config/edits/gateway-keys.ts";

export class ApiKeyDisableCommand extends BaseCommand {
  static override paths = [["apikey", "disable"]];
  static override usage = Command.Usage({ category: "Gateway keys", description: "disable a gateway key without deleting it" });

  id = Option.String({ name: "id" });

  run() {
    const r = setGatewayKeyStatus(this.store(), this.id, "disabled");
    this.print(r.changed ? `Disabled gateway key ${r.id} (${r.name})` : `Gateway key ${r.id} (${r.name}) is already disabled`);
  }
}
