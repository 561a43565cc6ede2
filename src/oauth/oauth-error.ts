import { GatewayError } from "../errors.ts";

/**
 * An error answer from an OAuth server (RFC 6749 §5.2 `error` / `error_description`), or an OAuth step the
 * gateway refused (wrong state, expired device code). `oauthError` is the stable code to branch on.
 * Messages never contain token material: descriptions from the server are scrubbed of every secret sent.
 */
export class OAuthError extends GatewayError {
  constructor(
    status: number,
    code: ConstructorParameters<typeof GatewayError>[1],
    readonly oauthError: string,
    message: string,
    options: ConstructorParameters<typeof GatewayError>[3] = {},
  ) {
    super(status, code, message, { upstreamType: oauthError, ...options });
    this.name = "OAuthError";
  }
}

/**
 * The account's refresh token is dead (invalid_grant or none left): someone must log in again. Retryable in the
 * failover sense: the account is at fault, not the request, so another account may serve it.
 */
export class OAuthReauthRequiredError extends GatewayError {
  constructor(readonly accountId: string, accountLabel: string, reason: string, cause?: unknown) {
    super(
      401,
      "authentication",
      `upstream account ${accountLabel} needs a new OAuth login (${reason}); run: oauth start ${accountId}`,
      { retryable: true, upstreamType: "invalid_grant", cause },
    );
    this.name = "OAuthReauthRequiredError";
  }
}

/** Removes every secret from a text that came from elsewhere, and bounds its length. */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}
