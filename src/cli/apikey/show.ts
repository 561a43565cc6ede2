import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../../config/edits/find-item.ts";
import { keyView } from "../../config/mask-secrets.ts";
import { openCliUsageReader } from "../usage/open-usage-reader.ts";
import { spendFields, spendSummaryOrWarn } from "../usage/spend-summary.ts";
import { formatKey } from "./format-key.ts";

export class ApiKeyShowCommand extends BaseCommand {
  static override paths = [["apikey", "show"]];
  static override usage = Command.Usage({
    category: "Gateway keys",
    description: "show one gateway key (by id or unique name) with its usage and spend against its budgets",
    details:
      "Usage comes from the usage ledger (today and this month in UTC, and everything kept); a running gateway writes it at least every `usage.flush_interval` seconds. " +
      "Costs of requests without a known price are not counted in the spend, and are counted apart.",
  });

  id = Option.String({ name: "id" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const store = this.store();
    const config = store.load();
    const key = config.gateway_keys[findIndex(config.gateway_keys, this.id, "gateway key")]!;
    const now = Date.now();
    const usage = await spendSummaryOrWarn(
      () => openCliUsageReader(store, config),
      this.context.stderr,
      config,
      { keyId: key.id },
      { daily: key.budget_usd_daily, monthly: key.budget_usd_monthly },
      now,
    );
    this.output(this.json, { ...keyView(key), usage }, () => formatKey(key, now, spendFields(usage, "budget")));
  }
}
