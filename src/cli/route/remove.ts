import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { removeRoute } from "../../config/edits/model-routes.ts";

export class RouteRemoveCommand extends BaseCommand {
  static override paths = [["route", "remove"]];
  static override usage = Command.Usage({ category: "Model routes", description: "delete a model route" });

  id = Option.String({ name: "id" });

  run() {
    const removed = removeRoute(this.store(), this.id);
    this.print(`Removed route ${removed.id} (${removed.source_model} → ${removed.target_model})`);
  }
}
