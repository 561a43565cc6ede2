import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { findIndex } from "../find-item.ts";
import { accountView } from "../mask-secrets.ts";
import { formatAccount } from "./format-account.ts";

export class UpstreamShowCommand extends BaseCommand {
  static override paths = [["upstream", "show"]];
  static override usage = Command.Usage({ category: "Upstream accounts", description: "show one upstream account (by id or unique name; key masked)" });

  id = Option.String({ name: "id" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const store = this.store();
    const accounts = store.load().upstream_accounts;
    const view = accountView(accounts[findIndex(accounts, this.id, "upstream account")]!, store.cipher);
    this.output(this.json, view, () => formatAccount(view));
  }
}
