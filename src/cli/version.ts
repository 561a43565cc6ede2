import { Command, Option } from "clipanion";
import { BUILD_INFO, VERSION } from "../version.ts";
import { BaseCommand, BINARY_NAME } from "./base-command.ts";

export class VersionCommand extends BaseCommand {
  static override paths = [["version"], ["--version"], ["-v"]];
  static override usage = Command.Usage({
    category: "General",
    description: "print the version",
    details: "With --json: one JSON document with the version, the git commit, the build time (UTC) and the build target.",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document (version, commit, build_time, target, bun)" });

  run() {
    this.output(this.json, { name: BINARY_NAME, ...BUILD_INFO }, () => `${BINARY_NAME} ${VERSION}`);
  }
}
