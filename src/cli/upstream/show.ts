import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../find-item.ts";
import { accountHealthView, authFailureNotice, fetchAccountHealth, healthLabel } from "../account-health-view.ts";
import { accountView } from "../mask-secrets.ts";
import { formatAccount } from "./format-account.ts";

export class UpstreamShowCommand extends BaseCommand {
  static override paths = [["upstream", "show"]];
  static override usage = Command.Usage({
    category: "Upstream accounts",
    description: "show one upstream account (by id or unique name; key masked) and its health from the running server",
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
    this.output(this.json, { ...masked, ...health }, () => {
      const text = formatAccount(masked, health.detail ? `${healthLabel(health)}: ${health.detail}` : healthLabel(health));
      return notice ? `${text}\n! ${notice}` : text;
    });
  }
}
