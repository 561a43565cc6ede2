import { Command, Option } from "clipanion";
import { ENV_NAMES } from "../../config/schema.ts";
import { BaseCommand } from "../base-command.ts";
import { formatTable } from "../format-table.ts";
import { urlView } from "../../config/mask-secrets.ts";

export class EnvListCommand extends BaseCommand {
  static override paths = [["env", "list"]];
  static override usage = Command.Usage({ category: "Environment", description: "show the proxy settings used for every outbound call" });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const store = this.store();
    const env = store.load().environment;
    const values = Object.fromEntries(ENV_NAMES.map((n) => [n, urlView(env[n], `environment.${n}`, () => store.cipher)]));
    this.output(this.json, values, () => formatTable(["NAME", "VALUE"], ENV_NAMES.map((n) => [n, values[n] || "(unset)"])));
  }
}
