import { BaseCommand } from "../base-command.ts";

/** Placeholder: the lead replaces this with the real `server status`. */
export class ServerStatusCommand extends BaseCommand {
  static override paths = [["server", "status"]];

  run() {
    this.context.stderr.write("server status: not implemented\n");
    return 1;
  }
}
