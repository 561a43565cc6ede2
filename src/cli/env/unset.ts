import { Command, Option } from "clipanion";
import { resetEnvironment } from "../../config/edits/environment.ts";
import { BaseCommand } from "../base-command.ts";
import { parseEnvName } from "./env-name.ts";

export class EnvUnsetCommand extends BaseCommand {
  static override paths = [["env", "unset"]];
  static override usage = Command.Usage({
    category: "Environment",
    description: "reset one setting to its default (proxies: none; no_proxy: localhost,127.0.0.1,::1)",
  });

  name = Option.String("--name", { description: "http_proxy, https_proxy or no_proxy (required)" });

  run() {
    const name = parseEnvName(this.required("--name", this.name));
    const value = resetEnvironment(this.store(), name);
    this.print(`${name} = ${value || "(unset)"}`);
  }
}
