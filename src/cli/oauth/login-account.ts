import type { UpstreamAccount } from "../../config/schema.ts";
import type { FetchFn } from "../../transport/upstream-fetch.ts";
import type { BaseCommand } from "../base-command.ts";
import { findIndex } from "../../config/edits/find-item.ts";
import { readStdinLine } from "../read-stdin-line.ts";
import { oauthAccountView, type OAuthAccountView } from "./oauth-account-view.ts";
import { pendingLogins } from "./pending-login.ts";
import { saveLoginTokens } from "../../oauth/save-login-tokens.ts";
import { runLogin } from "./run-login.ts";

/** The CLI's fetch, as the OAuth code calls it (tests inject a fetch through the CLI context). */
export function cliFetch(cmd: BaseCommand): FetchFn {
  return (input, init) => cmd.context.fetch(typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url, init);
}

/** The OAuth account `ref` (id or unique name) from the config; a usage error for an api-key account. */
export function findOAuthAccount(cmd: BaseCommand, ref: string): UpstreamAccount {
  const accounts = cmd.store().load().upstream_accounts;
  const account = accounts[findIndex(accounts, ref, "upstream account")]!;
  if (account.type !== "oauth") cmd.usageError(`upstream account ${account.id} uses an API key, not OAuth`);
  return account;
}

/**
 * Logs an account in from the CLI and stores its tokens encrypted (clearing `needs_reauth`). `pending` means
 * a PKCE login printed its URL but no code was pasted: it waits for `oauth start ID --code …`.
 */
export async function loginAccount(
  cmd: BaseCommand,
  account: UpstreamAccount,
  code: string | undefined,
): Promise<{ result: "logged_in" | "pending"; view: OAuthAccountView }> {
  const store = cmd.store();
  const clock = Date.now;
  const outcome = await runLogin(
    {
      fetch: cliFetch(cmd),
      clock,
      sleep: cmd.context.sleep ?? ((ms) => Bun.sleep(ms)),
      say: (text) => void cmd.context.stderr.write(`${text}\n`),
      readLine: () => readStdinLine(cmd.context.stdinSource),
    },
    account,
    { code, pending: pendingLogins(store.path, store.cipher, clock) },
  );
  if (outcome.kind === "tokens") await saveLoginTokens(store, account, outcome.tokens);
  const saved = store.read().upstream_accounts.find((a) => a.id === account.id) ?? account;
  return { result: outcome.kind === "tokens" ? "logged_in" : "pending", view: oauthAccountView(saved, clock()) };
}
