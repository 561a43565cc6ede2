import { Command, Option } from "clipanion";
import { VERSION } from "../version.ts";
import { BaseCommand, BINARY_NAME } from "./base-command.ts";

export class VersionCommand extends BaseCommand {
  static override paths = [["version"], ["--version"], ["-v"]];
  static override usage = Command.Usage({ category: "General", description: "print the version" });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    this.output(this.json, { name: BINARY_NAME, version: VERSION }, () => `${BINARY_NAME} ${VERSION}`);
  }
}
