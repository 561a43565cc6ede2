import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { describeOAuthState, formatOAuthAccount } from "./oauth-account-view.ts";
import { findOAuthAccount, loginAccount } from "./login-account.ts";

export class OAuthStartCommand extends BaseCommand {
  static override paths = [["oauth", "start"]];
  static override usage = Command.Usage({
    category: "OAuth",
    description: "log an OAuth upstream account in (again): code paste or device login",
    details:
      "Anthropic accounts: prints the authorize URL and reads the pasted CODE#STATE from stdin. With nothing pasted the login waits; finish it with `--code CODE#STATE` within 15 minutes. OpenAI-compatible (Qwen) accounts: shows a user code and URL and waits for approval. Tokens are stored encrypted; they are never printed.",
    examples: [
      ["Log in again", "$0 oauth start up_0123456789ab"],
      ["Finish a login from a script", "$0 oauth start up_0123456789ab --code 'CODE#STATE'"],
    ],
  });

  id = Option.String({ name: "id" });
  code = Option.String("--code", { description: "The CODE#STATE the authorize page showed (finishes a waiting login)" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const account = findOAuthAccount(this, this.id);
    const { result, view } = await loginAccount(this, account, this.code);
    this.output(this.json, { result, account: view }, () =>
      result === "pending"
        ? `Login of ${account.id} is waiting for the code.`
        : `Logged in upstream account ${account.id}: ${describeOAuthState(view)}\n${formatOAuthAccount(view)}`,
    );
  }
}
