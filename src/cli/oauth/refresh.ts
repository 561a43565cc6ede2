import { Command, Option } from "clipanion";
import { createConfigTokenPersistence } from "../../oauth/config-persistence.ts";
import { createTokenManager } from "../../oauth/token-manager.ts";
import { createMemoryStore } from "../../state/memory-store.ts";
import { BaseCommand } from "../base-command.ts";
import { cliFetch, findOAuthAccount } from "./login-account.ts";
import { describeOAuthState, formatOAuthAccount, oauthAccountView } from "./oauth-account-view.ts";

export class OAuthRefreshCommand extends BaseCommand {
  static override paths = [["oauth", "refresh"]];
  static override usage = Command.Usage({
    category: "OAuth",
    description: "refresh an OAuth account's access token now (a rotated refresh token is saved first)",
    details:
      "A refused refresh token (invalid_grant) marks the account as needing a new login: `oauth start ID`. A running gateway refreshes on its own; this command is for checking a login or forcing a new token.",
  });

  id = Option.String({ name: "id" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const account = findOAuthAccount(this, this.id);
    if (account.oauth?.needs_reauth) this.usageError(`upstream account ${account.id} needs a new login: llm-gateway oauth start ${account.id}`);
    const store = this.store();
    const state = createMemoryStore();
    const manager = createTokenManager({
      fetch: cliFetch(this),
      clock: Date.now,
      store: state,
      persistence: createConfigTokenPersistence({ store }),
    });
    try {
      await manager.refreshNow(account);
    } finally {
      await state.close();
    }
    const view = oauthAccountView(store.read().upstream_accounts.find((a) => a.id === account.id) ?? account, Date.now());
    this.output(this.json, view, () => `Refreshed upstream account ${account.id}: ${describeOAuthState(view)}\n${formatOAuthAccount(view)}`);
  }
}
