import { Command, Option } from "clipanion";
import type { ConfigStore } from "../../config/store.ts";
import { startServer } from "../../runtime/start-server.ts";
import { VERSION } from "../../version.ts";
import { BaseCommand } from "../base-command.ts";

export class ServerStartCommand extends BaseCommand {
  static override paths = [["server", "start"]];
  static override usage = Command.Usage({
    category: "Server",
    description: "Run the gateway in the foreground",
    details:
      "Listens on server.host:server.port from the configuration (or --host/--port; --port 0 picks a free port) and prints the address. " +
      "SIGINT/SIGTERM stop accepting new connections, let requests and streams in flight finish within server.shutdown_grace seconds, and exit 0.",
    examples: [["Start on the configured address", "llm-gateway server start"], ["Start on a free local port", "llm-gateway server start --host 127.0.0.1 --port 0"]],
  });

  host = Option.String("--host", { description: "Address to bind (default: server.host)" });
  port = Option.String("--port", { description: "Port (default: server.port; 0 = any free port)" });

  async run() {
    const port = this.parseInteger("--port", this.port, 0);
    if (port !== undefined && port > 65535) this.usageError(`--port must be at most 65535, got ${port}`);
    const store = this.store();
    const config = store.load();
    // Fail now, not on the first request, when the master key cannot open the stored secrets.
    for (const a of config.upstream_accounts) if (a.api_key) store.cipher.decrypt(a.api_key, `upstream_accounts[${a.name}].api_key`);

    const stdout = this.context.stdout;
    // Everything the server says, its address and its stop included, is a line of its log (JSON by default).
    const server = startServer({ store, host: this.host, port, version: VERSION, logSink: { write: (t) => stdout.write(t) } });

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      // Later signals are ignored while draining: a terminal's Ctrl-C reaches both this process and a relaunching
      // parent that forwards it, so the same stop request can arrive twice.
      let received = false;
      const on = (s: NodeJS.Signals) => {
        if (received) return;
        received = true;
        resolve(s);
      };
      process.on("SIGINT", on);
      process.on("SIGTERM", on);
    });
    await server.shutdown(graceSeconds(store, config.server.shutdown_grace) * 1000, signal);
    return 0;
  }
}

/** The grace period as the file says now (it may have changed since the start); the start's when it cannot be read. */
function graceSeconds(store: ConfigStore, atStart: number): number {
  try {
    return store.read().server.shutdown_grace;
  } catch {
    return atStart;
  }
}
