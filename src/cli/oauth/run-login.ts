import { UsageError } from "clipanion";
import type { UpstreamAccount } from "../../config/schema.ts";
import { startAuthorization } from "../../oauth/anthropic-authorize.ts";
import { resolveOAuthClient } from "../../oauth/defaults.ts";
import { pollDeviceFlow, startDeviceFlow } from "../../oauth/device-flow.ts";
import { completeAuthorization } from "../../oauth/exchange-code.ts";
import type { Clock, OAuthTokens, Sleep } from "../../oauth/types.ts";
import type { FetchFn } from "../../transport/upstream-fetch.ts";
import { BINARY_NAME } from "../base-command.ts";
import type { PendingLogins } from "./pending-login.ts";

/** What a login talks to: the network, time, and the person at the terminal. */
export interface LoginIO {
  fetch: FetchFn;
  clock: Clock;
  sleep: Sleep;
  /** Instructions for the person logging in; goes to stderr so stdout stays the command's result. */
  say(text: string): void;
  /** One pasted line; undefined when stdin ends without one. */
  readLine(): Promise<string | undefined>;
}

export type LoginOutcome = { kind: "tokens"; tokens: OAuthTokens } | { kind: "pending" };

/**
 * Runs the account's login: Anthropic-style PKCE (print the URL, read the pasted `CODE#STATE`, check the state,
 * exchange) or an RFC 8628 device login (show the user code, poll). With `code`, finishes a PKCE login an earlier
 * run started and left pending. Never prints or returns anything secret except the tokens to the caller.
 */
export async function runLogin(
  io: LoginIO,
  account: UpstreamAccount,
  opts: { code?: string; pending: PendingLogins },
): Promise<LoginOutcome> {
  const client = resolveOAuthClient(account);
  if (client.flow === "device-code") {
    if (opts.code !== undefined) throw new UsageError(`--code applies to the code-paste login; ${account.provider} logs in with a device code`);
    const session = await startDeviceFlow({ fetch: io.fetch, clock: io.clock, client });
    io.say(
      [
        `To log in upstream account ${account.name} (${account.id}), open:`,
        "",
        `  ${session.verificationUriComplete ?? session.verificationUri}`,
        "",
        `and enter the code ${session.userCode}. Waiting for approval…`,
      ].join("\n"),
    );
    let interval = session.interval;
    const tokens = await pollDeviceFlow({
      fetch: io.fetch,
      clock: io.clock,
      client,
      session,
      sleep: io.sleep,
      onPoll: ({ intervalSeconds }) => {
        if (intervalSeconds > interval) io.say(`The server asked to slow down: polling every ${intervalSeconds}s.`);
        interval = intervalSeconds;
      },
    });
    return { kind: "tokens", tokens };
  }

  const finish = `${BINARY_NAME} oauth start ${account.id} --code CODE#STATE`;
  if (opts.code !== undefined) {
    const session = opts.pending.take(account.id);
    if (!session) throw new UsageError(`no login of ${account.id} is waiting for a code (or it is older than 15 minutes); run \`${BINARY_NAME} oauth start ${account.id}\` first`);
    // One code, one try: a wrong paste starts over with a fresh state and verifier.
    opts.pending.remove(account.id);
    return { kind: "tokens", tokens: await completeAuthorization({ fetch: io.fetch, clock: io.clock, client, session, pasted: opts.code }) };
  }
  const session = startAuthorization(client);
  io.say(
    [
      `To log in upstream account ${account.name} (${account.id}), open this URL in a browser and approve:`,
      "",
      `  ${session.url}`,
      "",
      "Then paste the code the page shows (CODE#STATE) and press Enter:",
    ].join("\n"),
  );
  const pasted = await io.readLine();
  if (pasted === undefined) {
    opts.pending.save(account.id, session);
    io.say(`No code was pasted. Finish within 15 minutes with:\n  ${finish}`);
    return { kind: "pending" };
  }
  return { kind: "tokens", tokens: await completeAuthorization({ fetch: io.fetch, clock: io.clock, client, session, pasted }) };
}
