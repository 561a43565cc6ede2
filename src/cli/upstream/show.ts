import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../../config/edits/find-item.ts";
import { accountHealthView, authFailureNotice, fetchAccountHealth, healthLabel } from "../account-health-view.ts";
import { accountView } from "../../config/mask-secrets.ts";
import { openCliUsageReader } from "../usage/open-usage-reader.ts";
import { spendFields, spendSummaryOrWarn } from "../usage/spend-summary.ts";
import { formatAccount } from "./format-account.ts";

export class UpstreamShowCommand extends BaseCommand {
  static override paths = [["upstream", "show"]];
  static override usage = Command.Usage({
    category: "Upstream accounts",
    description: "show one upstream account (by id or unique name; key masked), its health from the running server, and its usage and spend",
    details:
      "Usage comes from the usage ledger (today and this month in UTC, and everything kept), spend against the account's caps; a running gateway writes it at least every `usage.flush_interval` seconds.",
  });

  id = Option.String({ name: "id" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const store = this.store();
    const config = store.load();
    const account = config.upstream_accounts[findIndex(config.upstream_accounts, this.id, "upstream account")]!;
    const masked = accountView(account, store.cipher);
    const { byId } = await fetchAccountHealth(this.context.fetch, config, store);
    const health = accountHealthView(account, byId.get(account.id));
    const notice = authFailureNotice(account, health);
    const usage = await spendSummaryOrWarn(
      () => openCliUsageReader(store, config),
      this.context.stderr,
      config,
      { accountId: account.id },
      { daily: account.spend_cap_usd_daily, monthly: account.spend_cap_usd_monthly },
      Date.now(),
    );
    this.output(this.json, { ...masked, ...health, usage }, () => {
      const text = formatAccount(masked, health.detail ? `${healthLabel(health)}: ${health.detail}` : healthLabel(health), spendFields(usage, "spend cap"));
      return notice ? `${text}\n! ${notice}` : text;
    });
  }
}
