import { Command, Option } from "clipanion";
import { EnvironmentConfig } from "../../config/schema.ts";
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
    const value = EnvironmentConfig.properties[name].default as string;
    this.store().update((c) => {
      c.environment[name] = value;
    });
    this.print(`${name} = ${value || "(unset)"}`);
  }
}
