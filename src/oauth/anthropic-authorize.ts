import { GatewayError, invalidRequest } from "../errors.ts";
import { OAuthError } from "./oauth-error.ts";
import { createPkcePair, createState, cryptoRandomBytes, secretsEqual, type RandomBytes } from "./pkce.ts";
import type { OAuthClientConfig } from "./types.ts";

/** What the CLI keeps between printing the URL and reading the pasted code. Secret: never print or log it. */
export interface AuthorizationSession {
  /** The URL to open in a browser. Safe to print (it holds only the challenge and state). */
  url: string;
  state: string;
  codeVerifier: string;
}

/**
 * Starts the PKCE login: a fresh verifier, challenge and state, and the authorize URL with the parameters of
 * Anthropic's own login (src/oauth/README.md). `code=true` makes claude.ai show the code on its callback page.
 */
export function startAuthorization(client: OAuthClientConfig, random: RandomBytes = cryptoRandomBytes): AuthorizationSession {
  if (!client.authorizeUrl || !client.redirectUri) {
    throw new GatewayError(400, "config", "OAuth login needs authorize_url and redirect_uri");
  }
  const pkce = createPkcePair(random);
  const state = createState(random);
  const url = new URL(client.authorizeUrl);
  const params: [string, string][] = [
    ["code", "true"],
    ["client_id", client.clientId],
    ["response_type", "code"],
    ["redirect_uri", client.redirectUri],
    ["scope", client.scopes],
    ["code_challenge", pkce.challenge],
    ["code_challenge_method", pkce.method],
    ["state", state],
  ];
  for (const [k, v] of params) url.searchParams.set(k, v);
  return { url: url.toString(), state, codeVerifier: pkce.verifier };
}

/**
 * Reads what the user pasted: `CODE#STATE` as claude.ai's callback page shows it, or a whole callback URL with
 * `?code=…&state=…`. Whitespace and quotes around it are dropped; anything after a second `#` or an `&` in the
 * code part is not part of the code.
 */
export function parsePastedCode(input: string): { code: string; state?: string } {
  const text = input.trim().replace(/^["']|["']$/g, "");
  if (!text) throw invalidRequest("no authorization code was given");
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalidRequest("the pasted callback URL is not a valid URL");
    }
    const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
    const code = url.searchParams.get("code") ?? hash.get("code");
    const state = url.searchParams.get("state") ?? hash.get("state") ?? undefined;
    if (!code) throw invalidRequest("the pasted callback URL has no code parameter");
    return { code, state };
  }
  const [codePart = "", statePart] = text.split("#");
  const code = codePart.split("&")[0]!.trim();
  const state = statePart?.split("&")[0]?.trim() || undefined;
  if (!code) throw invalidRequest("no authorization code was given");
  return { code, state };
}

/**
 * Rejects a missing or different state (RFC 6749 §10.12): without the check, a code someone else obtained could
 * log the account into their session. Constant-time compare.
 */
export function verifyState(session: Pick<AuthorizationSession, "state">, received: string | undefined): void {
  if (!received) {
    throw new OAuthError(400, "invalid_request", "invalid_state", "the pasted code has no state; paste the whole CODE#STATE value");
  }
  if (!secretsEqual(session.state, received)) {
    throw new OAuthError(400, "invalid_request", "invalid_state", "OAuth state does not match this login; start the login again");
  }
}
