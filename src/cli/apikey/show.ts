import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../find-item.ts";
import { formatFields } from "../format-table.ts";
import { keyView } from "../mask-secrets.ts";
import { keyState } from "./key-state.ts";

export class ApiKeyShowCommand extends BaseCommand {
  static override paths = [["apikey", "show"]];
  static override usage = Command.Usage({ category: "Gateway keys", description: "show one gateway key (by id or unique name)" });

  id = Option.String({ name: "id" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const keys = this.store().load().gateway_keys;
    const key = keys[findIndex(keys, this.id, "gateway key")]!;
    this.output(this.json, keyView(key), () =>
      formatFields([
        ["id", key.id],
        ["name", key.name],
        ["prefix", key.key_prefix],
        ["permissions", key.permissions.join(",")],
        ["status", keyState(key, Date.now())],
        ["rpm", key.rate_limit_rpm ? String(key.rate_limit_rpm) : "unlimited"],
        ["expires", key.expires_at ?? "never"],
        ["created", key.created_at],
      ]),
    );
  }
}
