import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { setGatewayKeyStatus } from "../../config/edits/gateway-keys.ts";

export class ApiKeyEnableCommand extends BaseCommand {
  static override paths = [["apikey", "enable"]];
  static override usage = Command.Usage({ category: "Gateway keys", description: "re-enable a disabled gateway key" });

  id = Option.String({ name: "id" });

  run() {
    const r = setGatewayKeyStatus(this.store(), this.id, "active");
    this.print(r.changed ? `Enabled gateway key ${r.id} (${r.name})` : `Gateway key ${r.id} (${r.name}) is already enabled`);
  }
}
