/**
 * A fake Google OAuth token endpoint for service accounts (the JWT-bearer grant): it makes its own RSA key pair and
 * hands out a service-account JSON key naming itself as `token_uri`; each token request's assertion is verified
 * with the public key (signature, issuer, subject, audience, scope, lifetime) as Google does, and answered with a
 * new access token. For Vertex AI tests with test/fakes/gemini-upstream.ts in `vertex` mode.
 */

export interface FakeGoogleTokens {
  url: string;
  /** The service account's JSON key, as Google Cloud's console gives it. */
  keyJson: string;
  clientEmail: string;
  /** Tokens issued, in order; the last one is the valid one. */
  issued: string[];
  current(): string | undefined;
  /** Makes the current token invalid (the fake Vertex then answers 401), as a revoked or expired token is. */
  revoke(): void;
  /** The claims of each verified assertion. */
  claims: Record<string, unknown>[];
  /** The next token requests are refused with this OAuth error (`invalid_grant`: the key was deleted). */
  refuseWith(error: string | undefined): void;
  stop(): Promise<void>;
}

const pem = (der: ArrayBuffer) => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`;

export async function startFakeGoogleTokens(project = "proj-test"): Promise<FakeGoogleTokens> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const privatePem = pem(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const clientEmail = `gateway@${project}.iam.gserviceaccount.com`;
  const issued: string[] = [];
  const claims: Record<string, unknown>[] = [];
  let valid: string | undefined;
  let refusal: string | undefined;

  const oauthError = (error: string, description: string) => Response.json({ error, error_description: description }, { status: 400 });

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== "POST" || url.pathname !== "/token") return new Response("not found", { status: 404 });
      const form = new URLSearchParams(await req.text());
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return oauthError("unsupported_grant_type", "Invalid grant_type");
      const assertion = form.get("assertion") ?? "";
      const [h, c, sig] = assertion.split(".");
      if (!h || !c || !sig) return oauthError("invalid_grant", "Invalid JWT");
      const ok = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", pair.publicKey, Buffer.from(sig, "base64url"), new TextEncoder().encode(`${h}.${c}`));
      if (!ok) return oauthError("invalid_grant", "Invalid JWT Signature.");
      const header = JSON.parse(Buffer.from(h, "base64url").toString());
      const claim = JSON.parse(Buffer.from(c, "base64url").toString());
      const now = Math.floor(Date.now() / 1000);
      if (header.alg !== "RS256") return oauthError("invalid_grant", "Invalid JWT: alg");
      if (claim.iss !== clientEmail || claim.sub !== clientEmail) return oauthError("invalid_grant", "Invalid JWT: iss");
      if (claim.aud !== `http://127.0.0.1:${server.port}/token`) return oauthError("invalid_grant", "Invalid JWT: audience");
      if (!String(claim.scope).split(" ").includes("https://www.googleapis.com/auth/cloud-platform")) return oauthError("invalid_scope", "Invalid scope");
      if (!(claim.exp > now && claim.exp - claim.iat <= 3600 && Math.abs(claim.iat - now) < 300)) return oauthError("invalid_grant", "Invalid JWT: Token must be a short-lived token");
      claims.push(claim);
      if (refusal) return oauthError(refusal, "Invalid grant: account not found");
      valid = `ya29.fake-${issued.length + 1}-${crypto.randomUUID()}`;
      issued.push(valid);
      return Response.json({ access_token: valid, expires_in: 3599, token_type: "Bearer" });
    },
  });
  const tokenUri = `http://127.0.0.1:${server.port}/token`;
  const keyJson = JSON.stringify({
    type: "service_account",
    project_id: project,
    private_key_id: "0123456789abcdef",
    private_key: privatePem,
    client_email: clientEmail,
    client_id: "1234567890",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: tokenUri,
  }, null, 2);
  return {
    url: tokenUri,
    keyJson,
    clientEmail,
    issued,
    claims,
    current: () => valid,
    revoke: () => void (valid = undefined),
    refuseWith: (e) => void (refusal = e),
    stop: () => server.stop(true),
  };
}
