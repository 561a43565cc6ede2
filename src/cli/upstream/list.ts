import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { formatTable } from "../format-table.ts";
import { accountView } from "../mask-secrets.ts";

export class UpstreamListCommand extends BaseCommand {
  static override paths = [["upstream", "list"]];
  static override usage = Command.Usage({ category: "Upstream accounts", description: "list upstream accounts (keys masked)" });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const store = this.store();
    const accounts = store.load().upstream_accounts;
    const views = accounts.map((a) => accountView(a, store.cipher));
    this.output(this.json, views, () => {
      if (views.length === 0) return "No upstream accounts. Add one with `llm-gateway upstream add --provider P --name N --key K`.";
      return formatTable(
        ["ID", "NAME", "PROVIDER", "TYPE", "STATUS", "KEY", "MODELS", "WEIGHT", "PRIORITY", "BASE URL"],
        views.map((a) => [
          a.id,
          a.name,
          a.provider,
          a.type,
          a.status,
          a.api_key ?? "-",
          a.models?.join(",") ?? "-",
          String(a.weight),
          String(a.priority),
          a.base_url ?? "-",
        ]),
      );
    });
  }
}
