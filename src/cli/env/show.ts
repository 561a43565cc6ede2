import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { urlView } from "../../config/mask-secrets.ts";
import { parseEnvName } from "./env-name.ts";

export class EnvShowCommand extends BaseCommand {
  static override paths = [["env", "show"]];
  static override usage = Command.Usage({
    category: "Environment",
    description: "show one setting: http_proxy, https_proxy or no_proxy",
    examples: [["The HTTP proxy", "$0 env show --name http_proxy"]],
  });

  name = Option.String("--name", { description: "http_proxy, https_proxy or no_proxy (required)" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const name = parseEnvName(this.required("--name", this.name));
    const store = this.store();
    const value = urlView(store.load().environment[name], `environment.${name}`, () => store.cipher);
    this.output(this.json, { name, value }, () => value || "(unset)");
  }
}
