import type { UpstreamAccount } from "../../config/schema.ts";
import { createConfigTokenPersistence } from "../../oauth/config-persistence.ts";
import type { FetchFn } from "../../transport/upstream-fetch.ts";
import type { BaseCommand } from "../base-command.ts";
import { findIndex } from "../../config/edits/find-item.ts";
import { readStdinLine } from "../read-stdin-line.ts";
import { oauthAccountView, type OAuthAccountView } from "./oauth-account-view.ts";
import { pendingLogins } from "./pending-login.ts";
import { baseUrlFromResource, runLogin } from "./run-login.ts";

/** Where Qwen's OpenAI-compatible API is when the token names no resource_url: Qwen's own CLI's default. */
const QWEN_DEFAULT_BASE_URL = "https://dashscope.aliyuncs.com/compatible-mode/v1";

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
  if (outcome.kind === "tokens") {
    await createConfigTokenPersistence({ store }).save(account.id, outcome.tokens);
    const resource = outcome.tokens.resourceUrl;
    if (account.provider === "openai-compatible" && account.base_url === undefined) {
      store.update((c) => {
        const a = c.upstream_accounts.find((x) => x.id === account.id);
        if (a) a.base_url = resource ? baseUrlFromResource(resource) : QWEN_DEFAULT_BASE_URL;
      });
    }
  }
  const saved = store.read().upstream_accounts.find((a) => a.id === account.id) ?? account;
  return { result: outcome.kind === "tokens" ? "logged_in" : "pending", view: oauthAccountView(saved, clock()) };
}
