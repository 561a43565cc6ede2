/**
 * Google service accounts (Vertex AI accounts): the JSON key Google hands out, an RS256-signed JWT made from it with
 * Web Crypto (no cloud SDK), and the OAuth JWT-bearer grant (RFC 7523) that trades the JWT for an access token at the
 * key's `token_uri`. The key's private part never leaves this module in any message.
 */
import { Type as T, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { GatewayError } from "../errors.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { postOAuthForm, tokensFromResponse } from "./token-endpoint.ts";
import type { Clock, OAuthTokens } from "./types.ts";

export const ServiceAccountKey = T.Object(
  {
    type: T.Literal("service_account"),
    project_id: T.Optional(T.String()),
    private_key_id: T.Optional(T.String()),
    private_key: T.String({ minLength: 1 }),
    client_email: T.String({ minLength: 1 }),
    token_uri: T.Optional(T.String()),
  },
  { additionalProperties: true },
);
export type ServiceAccountKey = Static<typeof ServiceAccountKey>;

export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** What Vertex AI calls need. */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google accepts assertions valid for at most an hour. */
const ASSERTION_LIFETIME_S = 3600;

/**
 * A service account's JSON key, checked: a clear error naming what is wrong (never echoing the key) when it is not
 * valid JSON, not a service-account key, or misses its email or private key.
 */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GatewayError(400, "invalid_request", "the service account key is not valid JSON (expected the JSON key file Google Cloud gives for a service account)");
  }
  if (typeof json !== "object" || json === null || (json as { type?: unknown }).type !== "service_account") {
    throw new GatewayError(400, "invalid_request", 'the service account key must be a JSON key file with "type": "service_account"');
  }
  if (!Value.Check(ServiceAccountKey, json)) {
    const missing = ["client_email", "private_key"].filter((k) => typeof (json as Record<string, unknown>)[k] !== "string");
    throw new GatewayError(400, "invalid_request", `the service account key lacks ${missing.join(" and ") || "a valid field"}`);
  }
  if (!(json as ServiceAccountKey).private_key.includes("PRIVATE KEY-----")) {
    throw new GatewayError(400, "invalid_request", "the service account key's private_key is not a PEM private key");
  }
  return json as ServiceAccountKey;
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

/** The PKCS #8 DER inside a `-----BEGIN PRIVATE KEY-----` PEM. */
function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const base64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  return new Uint8Array(Buffer.from(base64, "base64"));
}

/** The signed JWT the token endpoint takes (RFC 7523 §2.1): issuer and subject the account, audience the token URI. */
export async function serviceAccountAssertion(key: ServiceAccountKey, nowMs: number, scope = CLOUD_PLATFORM_SCOPE): Promise<string> {
  let signingKey: CryptoKey;
  try {
    signingKey = await crypto.subtle.importKey("pkcs8", pemBody(key.private_key), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  } catch {
    throw new GatewayError(401, "authentication", `service account ${key.client_email}: its private_key cannot be read as an RSA key`);
  }
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const claims = { iss: key.client_email, sub: key.client_email, aud: key.token_uri ?? GOOGLE_TOKEN_URI, scope, iat, exp: iat + ASSERTION_LIFETIME_S };
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", signingKey, new TextEncoder().encode(unsigned));
  return `${unsigned}.${b64url(new Uint8Array(signature))}`;
}

/** A fresh access token for the service account (the JWT-bearer grant at its token URI). */
export async function fetchServiceAccountToken(deps: { fetch: FetchFn; clock: Clock; timeoutMs?: number }, key: ServiceAccountKey): Promise<OAuthTokens> {
  const assertion = await serviceAccountAssertion(key, deps.clock());
  const { json } = await postOAuthForm({
    fetch: deps.fetch,
    url: key.token_uri ?? GOOGLE_TOKEN_URI,
    encoding: "form",
    body: { grant_type: JWT_BEARER, assertion },
    purpose: `service account token (${key.client_email})`,
    timeoutMs: deps.timeoutMs,
  });
  return tokensFromResponse(json, deps.clock, "service account token");
}
