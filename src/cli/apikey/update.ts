import { Command, Option } from "clipanion";
import { PERMISSIONS } from "../../config/schema.ts";
import { updateGatewayKey } from "../../config/edits/gateway-keys.ts";
import { BaseCommand } from "../base-command.ts";
import { cliEdit, KEY_OPTION_NAMES } from "../edit-names.ts";
import { keyView } from "../../config/mask-secrets.ts";
import { changesSomething, KEY_LIMIT_DESCRIPTIONS, keyLimitChanges, parseKeyLimits } from "./key-limits.ts";
import { parsePermissions } from "./parse-permissions.ts";
import { formatKey } from "./format-key.ts";

export class ApiKeyUpdateCommand extends BaseCommand {
  static override paths = [["apikey", "update"]];
  static override usage = Command.Usage({
    category: "Gateway keys",
    description: "change a gateway key's name, permissions, rate limits, spend budgets or allowed models",
    details: "Only the options given change. The running server applies the change within a second, without a restart.",
    examples: [
      ["A monthly budget of $50", "$0 apikey update team --budget-usd 50/month"],
      ["Drop the daily budget, cap tokens per minute", "$0 apikey update team --budget-usd none/day --tpm 200000"],
      ["Allow every model again", "$0 apikey update team --models ''"],
    ],
  });

  id = Option.String({ name: "id" });
  name = Option.String("--name", { description: "New label" });
  permissions = Option.String("--permissions", { description: `Comma list of ${PERMISSIONS.join(", ")}` });
  rpm = Option.String("--rpm", { description: KEY_LIMIT_DESCRIPTIONS.rpm });
  tpm = Option.String("--tpm", { description: KEY_LIMIT_DESCRIPTIONS.tpm });
  budgetUsd = Option.Array("--budget-usd", { description: KEY_LIMIT_DESCRIPTIONS.budgetUsd });
  models = Option.String("--models", { description: KEY_LIMIT_DESCRIPTIONS.models });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });
  force = Option.Boolean("--force", false, { description: "Rename even when another key has the new name" });

  run() {
    const name = this.name === undefined ? undefined : this.required("--name", this.name).trim();
    const permissions = this.permissions === undefined ? undefined : parsePermissions(this.permissions);
    const limits = parseKeyLimits(this, { rpm: this.rpm, tpm: this.tpm, budgetUsd: this.budgetUsd, models: this.models });
    if (name === undefined && permissions === undefined && !changesSomething(limits)) {
      this.usageError("nothing to change: give --name, --permissions, --rpm, --tpm, --budget-usd or --models");
    }
    const key = updateGatewayKey(
      this.store(),
      this.id,
      { ...(name !== undefined && { name }), ...(permissions !== undefined && { permissions }), ...keyLimitChanges(limits) },
      cliEdit(KEY_OPTION_NAMES, this.force),
    );
    this.output(this.json, keyView(key), () => `Updated gateway key ${key.id}\n${formatKey(key, Date.now())}`);
  }
}
