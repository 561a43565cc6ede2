import { Command } from "clipanion";
import { BaseCommand } from "../base-command.ts";

export class ConfigPathCommand extends BaseCommand {
  static override paths = [["config", "path"]];
  static override usage = Command.Usage({ category: "Configuration", description: "print the configuration file's path (--config, $LLM_GATEWAY_CONFIG or the default)" });

  run() {
    this.print(this.configPath());
  }
}
