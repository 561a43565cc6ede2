import { BaseCommand } from "../base-command.ts";

/** Placeholder: the lead replaces this with the real `server start`. */
export class ServerStartCommand extends BaseCommand {
  static override paths = [["server", "start"]];

  run() {
    this.context.stderr.write("server start: not implemented\n");
    return 1;
  }
}
