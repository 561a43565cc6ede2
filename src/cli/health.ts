import { BaseCommand } from "./base-command.ts";

/** Placeholder: the lead replaces this with the real `health`. */
export class HealthCommand extends BaseCommand {
  static override paths = [["health"]];

  run() {
    this.context.stderr.write("health: not implemented\n");
    return 1;
  }
}
