import { createHmac, scryptSync } from "node:crypto";
import type { MasterKey } from "../config/secrets.ts";

/**
 * The CLI's credential for the details of `/health` (`status`, `health`, `upstream list/show` show each account's
 * state). The configuration holds gateway keys only as hashes, so the CLI has no key to present; it has the master
 * key instead (the same one the server decrypts upstream keys with), and sends a token derived from it. Whoever can
 * read the master key can decrypt every upstream key, so this grants nothing new. The server accepts it on
 * `/health` only.
 */
export const OPERATOR_TOKEN_PREFIX = "lgw_op_";

/**
 * An HMAC under the master key. A passphrase goes through scrypt first, as it does for sealing (src/config/secrets.ts):
 * a token seen on the wire must not make guessing the passphrase cheaper than the config file does.
 */
export function operatorToken(master: MasterKey | Buffer): string {
  const secret = Buffer.isBuffer(master)
    ? master
    : master.kind === "bytes"
      ? master.key
      : scryptSync(master.passphrase, "llm-gateway operator token", 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return OPERATOR_TOKEN_PREFIX + createHmac("sha256", secret).update("llm-gateway: /health details").digest("base64url");
}
