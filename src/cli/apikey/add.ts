import { Command, Option } from "clipanion";
import { createGatewayKey } from "../../config/edits/gateway-keys.ts";
import { PERMISSIONS, type Permission } from "../../config/schema.ts";
import { BaseCommand } from "../base-command.ts";
import { cliEdit, KEY_OPTION_NAMES } from "../edit-names.ts";
import { keyView } from "../../config/mask-secrets.ts";
import { parseDuration } from "../../parse-duration.ts";
import { KEY_LIMIT_DESCRIPTIONS, keyLimitChanges, parseKeyLimits } from "./key-limits.ts";
import { parsePermissions } from "./parse-permissions.ts";

export class ApiKeyAddCommand extends BaseCommand {
  static override paths = [["apikey", "add"]];
  static override usage = Command.Usage({
    category: "Gateway keys",
    description: "create a gateway key (printed once; only its SHA-256 is stored)",
    examples: [
      ["A key for a team, 600 requests per minute", "$0 apikey add --name team --rpm 600"],
      ["An admin key valid for 30 days", "$0 apikey add --name ops --permissions read,write,admin --expires-in 30d"],
      ["$50 a month, $5 a day, Claude models only", "$0 apikey add --name intern --budget-usd 50/month --budget-usd 5/day --models 'claude-*'"],
    ],
  });

  name = Option.String("--name", { description: "Label for the key (required)" });
  permissions = Option.String("--permissions", { description: `Comma list of ${PERMISSIONS.join(", ")} (default: read,write)` });
  expiresIn = Option.String("--expires-in", { description: "Lifetime: 30d, 12h, 90m, 3600s" });
  rpm = Option.String("--rpm", { description: KEY_LIMIT_DESCRIPTIONS.rpm });
  tpm = Option.String("--tpm", { description: KEY_LIMIT_DESCRIPTIONS.tpm });
  budgetUsd = Option.Array("--budget-usd", { description: KEY_LIMIT_DESCRIPTIONS.budgetUsd });
  models = Option.String("--models", { description: KEY_LIMIT_DESCRIPTIONS.models });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });
  force = Option.Boolean("--force", false, { description: "Add the key even when another key has the same name" });

  run() {
    const name = this.required("--name", this.name).trim();
    const permissions: Permission[] = this.permissions === undefined ? ["read", "write"] : parsePermissions(this.permissions);
    let expires_at: string | undefined;
    if (this.expiresIn !== undefined) {
      const ms = parseDuration(this.expiresIn);
      if (ms === undefined) this.usageError(`--expires-in expects a duration like 30d, 12h, 90m or 3600s, got "${this.expiresIn}"`);
      expires_at = new Date(Date.now() + ms).toISOString();
    }
    const limits = parseKeyLimits(this, { rpm: this.rpm, tpm: this.tpm, budgetUsd: this.budgetUsd, models: this.models });

    const { key, raw } = createGatewayKey(
      this.store(),
      { name, permissions, ...(expires_at !== undefined && { expires_at }), ...keyLimitChanges(limits) },
      cliEdit(KEY_OPTION_NAMES, this.force),
    );

    this.output(this.json, { ...keyView(key), key: raw }, () =>
      [
        `Created gateway key ${key.id} (${name}), permissions ${permissions.join(",")}${expires_at ? `, expires ${expires_at}` : ""}`,
        "",
        `  ${raw}`,
        "",
        "Store it now: it is shown only this once.",
      ].join("\n"),
    );
  }
}
