import { Command, Option } from "clipanion";
import YAML from "yaml";
import { BaseCommand } from "../base-command.ts";
import { configView } from "../../config/mask-secrets.ts";

export class ConfigShowCommand extends BaseCommand {
  static override paths = [["config", "show"]];
  static override usage = Command.Usage({ category: "Configuration", description: "print the configuration with defaults filled in and secrets masked" });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const store = this.store();
    const view = configView(store.load(), store.cipher);
    this.output(this.json, view, () => YAML.stringify(view, { lineWidth: 0 }).trimEnd());
  }
}
