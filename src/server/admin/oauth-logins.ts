import { randomBytes } from "node:crypto";
import type { UpstreamAccount } from "../../config/schema.ts";
import type { ConfigStore } from "../../config/store.ts";
import { removeAccount } from "../../config/edits/upstream-accounts.ts";
import { GatewayError } from "../../errors.ts";
import { startAuthorization, type AuthorizationSession } from "../../oauth/anthropic-authorize.ts";
import { resolveOAuthClient } from "../../oauth/defaults.ts";
import { pollDeviceFlow, startDeviceFlow } from "../../oauth/device-flow.ts";
import { completeAuthorization } from "../../oauth/exchange-code.ts";
import { saveLoginTokens } from "../../oauth/save-login-tokens.ts";
import type { Sleep } from "../../oauth/types.ts";
import type { FetchFn } from "../../transport/upstream-fetch.ts";
import type { OAuthLogin } from "./admin-schemas.ts";

/**
 * OAuth logins started from the admin UI. Anthropic's code paste: the browser gets the authorize URL, the person
 * pastes the CODE#STATE the page shows, the gateway checks the state and exchanges the code. A device login: the
 * browser shows the user code and URL while the gateway polls the token endpoint on its own; the UI asks for the
 * login's status. The verifier, state and device code stay in this process's memory and never reach the browser;
 * tokens go to the config, sealed, as the CLI's logins store them. A login lives 15 minutes at most; a failed login
 * of an account it added removes that account again (as `upstream add --type oauth` does).
 */
export interface BrowserLogins {
  start(account: UpstreamAccount, added: boolean): Promise<OAuthLogin>;
  finish(loginId: string, pasted: string): Promise<OAuthLogin>;
  get(loginId: string): OAuthLogin;
  /** Stops the device polls (server shutdown). */
  close(): void;
}

const TTL_MS = 15 * 60_000;
const MAX_LOGINS = 20;

interface Login {
  view: OAuthLogin;
  account: UpstreamAccount;
  added: boolean;
  expiresAt: number;
  session?: AuthorizationSession;
  abort?: AbortController;
}

export function createBrowserLogins(deps: {
  store: Pick<ConfigStore, "read" | "update" | "cipher">;
  fetch: FetchFn;
  clock: () => number;
  sleep?: Sleep;
  /** After tokens were stored or an account removed: apply the file now. */
  changed?(): void;
}): BrowserLogins {
  const logins = new Map<string, Login>();
  // Unref'd: a login still polling never holds the process open at shutdown.
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.()));

  const prune = () => {
    const now = deps.clock();
    for (const [id, l] of logins) {
      if (now >= l.expiresAt) {
        l.abort?.abort();
        logins.delete(id);
      }
    }
    while (logins.size >= MAX_LOGINS) {
      const [id, l] = logins.entries().next().value!;
      l.abort?.abort();
      logins.delete(id);
    }
  };

  const find = (id: string): Login => {
    const l = logins.get(id);
    if (!l || deps.clock() >= l.expiresAt) throw new GatewayError(404, "not_found", `no OAuth login "${id.slice(0, 64)}" is waiting (they last 15 minutes)`, { param: "login_id" });
    return l;
  };

  const fail = (l: Login, e: unknown) => {
    l.view.status = "failed";
    l.view.error = e instanceof GatewayError ? e.message : "the login failed";
    delete l.session;
    if (l.added) {
      try {
        removeAccount(deps.store, l.account.id);
      } catch {
        /* already gone */
      }
      deps.changed?.();
    }
  };

  const succeed = async (l: Login, tokens: Parameters<typeof saveLoginTokens>[2]) => {
    await saveLoginTokens(deps.store, l.account, tokens);
    l.view.status = "logged_in";
    delete l.session;
    deps.changed?.();
  };

  return {
    async start(account, added) {
      prune();
      const client = resolveOAuthClient(account);
      const id = randomBytes(16).toString("base64url");
      const expiresAt = deps.clock() + TTL_MS;
      const base = { id, account_id: account.id, status: "waiting" as const };
      if (client.flow === "authorization-code") {
        const session = startAuthorization(client);
        const view: OAuthLogin = { ...base, flow: "code-paste", authorize_url: session.url, expires_at: new Date(expiresAt).toISOString() };
        logins.set(id, { view, account, added, expiresAt, session });
        return { ...view };
      }
      const session = await startDeviceFlow({ fetch: deps.fetch, clock: deps.clock, client });
      const until = Math.min(expiresAt, session.expiresAt);
      const view: OAuthLogin = {
        ...base,
        flow: "device-code",
        user_code: session.userCode,
        verification_uri: session.verificationUri,
        ...(session.verificationUriComplete && { verification_uri_complete: session.verificationUriComplete }),
        expires_at: new Date(until).toISOString(),
      };
      const abort = new AbortController();
      const login: Login = { view, account, added, expiresAt: until, abort };
      logins.set(id, login);
      pollDeviceFlow({ fetch: deps.fetch, clock: deps.clock, client, session, sleep, signal: abort.signal })
        .then((tokens) => succeed(login, tokens))
        .catch((e) => fail(login, e));
      return { ...view };
    },

    async finish(loginId, pasted) {
      const l = find(loginId);
      if (l.view.flow !== "code-paste") throw new GatewayError(400, "invalid_request", "this login is a device login: approve it at its URL; the gateway finishes it by itself", { param: "code" });
      if (!l.session) throw new GatewayError(409, "invalid_request", `this login is already ${l.view.status === "logged_in" ? "done" : "over"}; start a new one`, { param: "login_id" });
      const session = l.session;
      // One code, one try: a wrong paste needs a new login (fresh state and verifier).
      delete l.session;
      try {
        const tokens = await completeAuthorization({ fetch: deps.fetch, clock: deps.clock, client: resolveOAuthClient(l.account), session, pasted });
        await succeed(l, tokens);
      } catch (e) {
        fail(l, e);
        throw e;
      }
      return { ...l.view };
    },

    get: (loginId) => ({ ...find(loginId).view }),

    close() {
      for (const l of logins.values()) l.abort?.abort();
      logins.clear();
    },
  };
}
