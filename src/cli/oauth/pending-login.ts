import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Cipher } from "../../config/secrets.ts";
import type { AuthorizationSession } from "../../oauth/anthropic-authorize.ts";

/**
 * A PKCE login waiting for its code between two CLI runs (`oauth start ID` prints the URL and ends when no code
 * is pasted; `oauth start ID --code CODE#STATE` finishes it). The verifier and state are sealed with the config's
 * master key in a 0600 file beside the config, and the file is removed once used or stale.
 */
const TTL_MS = 15 * 60_000;

interface PendingFile {
  account_id: string;
  created_at: number;
  sealed: string;
}

export interface PendingLogins {
  save(accountId: string, session: AuthorizationSession): void;
  /** The session, when one is waiting and younger than its TTL. Removes a stale one. */
  take(accountId: string): AuthorizationSession | undefined;
  remove(accountId: string): void;
}

export function pendingLogins(configPath: string, cipher: Cipher, clock: () => number = Date.now): PendingLogins {
  const dir = join(dirname(configPath), "oauth-pending");
  // Account ids are `up_` + hex, but an id from a hand-edited file must not escape the folder.
  const file = (id: string) => join(dir, `${id.replace(/[^A-Za-z0-9_-]/g, "_")}.json`);
  const remove = (id: string) => rmSync(file(id), { force: true });
  return {
    save(accountId, session) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const body: PendingFile = {
        account_id: accountId,
        created_at: clock(),
        sealed: cipher.encrypt(JSON.stringify({ url: session.url, state: session.state, codeVerifier: session.codeVerifier })),
      };
      const tmp = `${file(accountId)}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, file(accountId));
    },
    take(accountId) {
      let body: PendingFile;
      try {
        body = JSON.parse(readFileSync(file(accountId), "utf8")) as PendingFile;
      } catch {
        return undefined;
      }
      if (body.account_id !== accountId || clock() - body.created_at > TTL_MS) {
        remove(accountId);
        return undefined;
      }
      return JSON.parse(cipher.decrypt(body.sealed, `pending OAuth login of ${accountId}`)) as AuthorizationSession;
    },
    remove,
  };
}
