import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../find-item.ts";

export class RouteRemoveCommand extends BaseCommand {
  static override paths = [["route", "remove"]];
  static override usage = Command.Usage({ category: "Model routes", description: "delete a model route" });

  id = Option.String({ name: "id" });

  run() {
    const removed = this.store().update((c) => c.model_routes.splice(findIndex(c.model_routes, this.id, "model route"), 1)[0]!);
    this.print(`Removed route ${removed.id} (${removed.source_model} → ${removed.target_model})`);
  }
}
