import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { formatTable } from "../format-table.ts";
import { describeOAuthState, formatOAuthAccount, oauthAccountView } from "./oauth-account-view.ts";
import { findOAuthAccount } from "./login-account.ts";

export class OAuthStatusCommand extends BaseCommand {
  static override paths = [["oauth", "status"]];
  static override usage = Command.Usage({
    category: "OAuth",
    description: "show OAuth accounts: authorized / expiring / expired / needs re-login, and the time left",
    examples: [
      ["Every OAuth account", "$0 oauth status"],
      ["One account", "$0 oauth status up_0123456789ab --json"],
    ],
  });

  id = Option.String({ name: "id", required: false });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const now = Date.now();
    if (this.id !== undefined) {
      const view = oauthAccountView(findOAuthAccount(this, this.id), now);
      this.output(this.json, view, () => formatOAuthAccount(view));
      return;
    }
    const views = this.store()
      .load()
      .upstream_accounts.filter((a) => a.type === "oauth")
      .map((a) => oauthAccountView(a, now));
    this.output(this.json, views, () => {
      if (views.length === 0) return "No OAuth accounts. Add one with `llm-gateway upstream add --type oauth --provider anthropic --name N`.";
      return formatTable(
        ["ID", "NAME", "PROVIDER", "STATE"],
        views.map((v) => [v.id, v.name, v.provider, describeOAuthState(v)]),
      );
    });
  }
}
