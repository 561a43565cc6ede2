import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { formatTable } from "../format-table.ts";
import { keyView } from "../mask-secrets.ts";
import { keyState } from "./key-state.ts";

export class ApiKeyListCommand extends BaseCommand {
  static override paths = [["apikey", "list"]];
  static override usage = Command.Usage({ category: "Gateway keys", description: "list gateway keys (prefix only, never the key)" });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const keys = this.store().load().gateway_keys;
    this.output(this.json, keys.map(keyView), () => {
      if (keys.length === 0) return "No gateway keys. Create one with `llm-gateway apikey add --name NAME`.";
      const now = Date.now();
      return formatTable(
        ["ID", "NAME", "PREFIX", "PERMISSIONS", "STATUS", "RPM", "EXPIRES", "CREATED"],
        keys.map((k) => [
          k.id,
          k.name,
          k.key_prefix,
          k.permissions.join(","),
          keyState(k, now),
          k.rate_limit_rpm ? String(k.rate_limit_rpm) : "-",
          k.expires_at ?? "-",
          k.created_at,
        ]),
      );
    });
  }
}
