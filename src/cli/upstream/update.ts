import { Command, Option } from "clipanion";
import { updateAccount } from "../../config/edits/upstream-accounts.ts";
import { BaseCommand } from "../base-command.ts";
import { ACCOUNT_OPTION_NAMES, cliEdit } from "../edit-names.ts";
import { accountView } from "../../config/mask-secrets.ts";
import { parseModelPatterns } from "../parse-model-patterns.ts";
import { parseSpendLimits } from "../parse-spend-limits.ts";
import { formatAccount, SPEND_CAP_DESCRIPTION, spendCapChanges } from "./format-account.ts";

export class UpstreamUpdateCommand extends BaseCommand {
  static override paths = [["upstream", "update"]];
  static override usage = Command.Usage({
    category: "Upstream accounts",
    description: "change an upstream account's name, models, weight, priority or spend caps",
    details: "Only the options given change. The running server applies the change within a second, without a restart.",
    examples: [
      ["Leave rotation past $100 a month", "$0 upstream update prod --spend-cap-usd 100/month"],
      ["Remove the daily cap; make it a standby", "$0 upstream update prod --spend-cap-usd none/day --priority 1"],
    ],
  });

  id = Option.String({ name: "id" });
  name = Option.String("--name", { description: "New label" });
  models = Option.String("--models", { description: "Comma list of model patterns served: exact, prefix*, * ('': the provider's default)" });
  weight = Option.String("--weight", { description: "Share of traffic among accounts of one priority" });
  priority = Option.String("--priority", { description: "Tier: lower is tried first" });
  spendCapUsd = Option.Array("--spend-cap-usd", { description: SPEND_CAP_DESCRIPTION });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });
  force = Option.Boolean("--force", false, { description: "Rename even when another account has the new name" });

  run() {
    const name = this.name === undefined ? undefined : this.required("--name", this.name).trim();
    const models = this.models === undefined ? undefined : parseModelPatterns("--models", this.models, { allowEmpty: true });
    const weight = this.parseInteger("--weight", this.weight, 0);
    const priority = this.parseInteger("--priority", this.priority);
    const caps = parseSpendLimits("--spend-cap-usd", this.spendCapUsd);
    if ([name, models, weight, priority, caps.daily, caps.monthly].every((v) => v === undefined)) {
      this.usageError("nothing to change: give --name, --models, --weight, --priority or --spend-cap-usd");
    }
    const store = this.store();
    const account = updateAccount(
      store,
      this.id,
      {
        ...(name !== undefined && { name }),
        ...(models !== undefined && { models }),
        ...(weight !== undefined && { weight }),
        ...(priority !== undefined && { priority }),
        ...spendCapChanges(caps),
      },
      cliEdit(ACCOUNT_OPTION_NAMES, this.force),
    );
    const view = accountView(account, store.cipher);
    this.output(this.json, view, () => `Updated upstream account ${account.id}\n${formatAccount(view)}`);
  }
}
