import { BaseCommand, BINARY_NAME } from "./base-command.ts";

/**
 * `llm-gateway <group> --help` lists the group's commands (clipanion itself only knows full command paths and
 * would answer "command not found"); a bare `llm-gateway <group>` is a usage error naming them.
 */
export function groupHelpCommand(group: string, title: string) {
  return class GroupHelpCommand extends BaseCommand {
    static override paths = [[group], [group, "-h"], [group, "--help"]];

    run() {
      const prefix = `${BINARY_NAME} ${group} `;
      const commands = this.cli
        .definitions()
        .filter((d) => d.path.startsWith(prefix))
        .map((d) => ({ verb: d.path.slice(prefix.length), description: (d.description ?? "").trim() }));
      if (this.path.length === 1) {
        this.usageError(
          `missing command after "${group}": ${commands.map((c) => c.verb).join(", ")} (see \`${BINARY_NAME} ${group} --help\`)`,
        );
      }
      const width = Math.max(...commands.map((c) => c.verb.length));
      this.print(
        [
          `${title}`,
          "",
          `Usage: ${BINARY_NAME} ${group} <command> [options]`,
          "",
          ...commands.map((c) => `  ${c.verb.padEnd(width)}  ${c.description}`),
          "",
          `Every command takes --config PATH. Run \`${BINARY_NAME} ${group} <command> --help\` for its options.`,
        ].join("\n"),
      );
    }
  };
}
