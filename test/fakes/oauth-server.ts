import { createHash } from "node:crypto";

/**
 * A local OAuth server for tests: Anthropic-style authorize + JSON token endpoint (PKCE, code expiry, refresh
 * rotation with reuse detection), an RFC 8628 device flow with a scripted sequence of answers, and a tiny
 * `/v1/messages` that accepts only live access tokens (for the 401-retry path). Listens on 127.0.0.1:0.
 */
export type DeviceStep = "pending" | "slow_down" | "success" | "denied" | "expired";

export interface FakeOAuthServerOptions {
  clientId?: string;
  redirectUri?: string;
  /** The server's own clock (code and access-token expiry). Default Date.now. */
  clock?: () => number;
  accessTtlSec?: number;
  codeTtlMs?: number;
  /** Issue a new refresh token on every refresh (and treat reuse of a spent one as theft). Default true. */
  rotateRefreshTokens?: boolean;
  deviceScript?: DeviceStep[];
  deviceInterval?: number;
  deviceExpiresIn?: number;
}

export interface TokenRequestRecord {
  path: string;
  contentType: string;
  body: Record<string, string>;
}

export interface FakeOAuthServer {
  url: string;
  clientId: string;
  redirectUri: string;
  authorizeUrl: string;
  tokenUrl: string;
  deviceCodeUrl: string;
  deviceTokenUrl: string;
  messagesUrl: string;
  counts: {
    authorize: number;
    tokenCalls: number;
    codeExchanges: number;
    refreshes: number;
    deviceCodes: number;
    devicePolls: number;
    messages: number;
  };
  tokenRequests: TokenRequestRecord[];
  /** What the authorize page would do after the user consents: a code bound to this state and challenge. */
  mintCode(p: { state: string; codeChallenge: string; redirectUri?: string; ttlMs?: number }): string;
  /** Tokens for an already logged-in account. */
  issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number };
  revokeAccessToken(token: string): void;
  /** Every later refresh answers invalid_grant (e.g. the user revoked the app). */
  setRefreshInvalid(on: boolean): void;
  /** Make refresh calls wait until the returned function is called (to hold a refresh in flight). */
  holdRefreshes(): () => void;
  setDeviceScript(steps: DeviceStep[]): void;
  isAccessTokenLive(token: string): boolean;
  /** Every secret this server minted or received (tokens, codes, device codes, verifiers): for "never leaked" assertions. */
  secrets(): string[];
  stop(): Promise<void>;
}

const s256 = (v: string) => createHash("sha256").update(v, "ascii").digest("base64url");
const rand = (prefix: string) => `${prefix}-${crypto.randomUUID().replace(/-/g, "")}`;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const oauthErr = (error: string, description: string, status = 400) => json(status, { error, error_description: description });

interface CodeGrant {
  state: string;
  challenge: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}
interface RefreshEntry {
  family: string;
  spent: boolean;
}
interface DeviceEntry {
  challenge?: string;
  step: number;
  done: boolean;
}

export function startFakeOAuthServer(options: FakeOAuthServerOptions = {}): FakeOAuthServer {
  const clock = options.clock ?? Date.now;
  const clientId = options.clientId ?? "fake-client-id";
  const redirectUri = options.redirectUri ?? "https://fake.example/oauth/code/callback";
  const accessTtlSec = options.accessTtlSec ?? 3600;
  const codeTtlMs = options.codeTtlMs ?? 10 * 60_000;
  const rotate = options.rotateRefreshTokens ?? true;
  let deviceScript = options.deviceScript ?? ["success"];

  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, RefreshEntry>();
  const accessTokens = new Map<string, { family: string; expiresAt: number; revoked: boolean }>();
  const devices = new Map<string, DeviceEntry>();
  const revokedFamilies = new Set<string>();
  let refreshInvalid = false;
  let refreshGate: Promise<void> | undefined;
  const counts = { authorize: 0, tokenCalls: 0, codeExchanges: 0, refreshes: 0, deviceCodes: 0, devicePolls: 0, messages: 0 };
  const tokenRequests: TokenRequestRecord[] = [];

  const issue = (family = rand("fam")) => {
    const accessToken = rand("fake-at");
    const refreshToken = rand("fake-rt");
    accessTokens.set(accessToken, { family, expiresAt: clock() + accessTtlSec * 1000, revoked: false });
    refreshTokens.set(refreshToken, { family, spent: false });
    return { accessToken, refreshToken, expiresIn: accessTtlSec, family };
  };
  const tokenBody = (t: { accessToken: string; refreshToken?: string; expiresIn: number }) => ({
    access_token: t.accessToken,
    ...(t.refreshToken ? { refresh_token: t.refreshToken } : {}),
    expires_in: t.expiresIn,
    token_type: "Bearer",
    scope: "user:inference",
  });

  async function readBody(req: Request): Promise<{ contentType: string; body: Record<string, string> }> {
    const contentType = req.headers.get("content-type") ?? "";
    const text = await req.text();
    if (contentType.includes("application/json")) {
      const parsed = JSON.parse(text || "{}") as Record<string, unknown>;
      return { contentType, body: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])) };
    }
    return { contentType, body: Object.fromEntries(new URLSearchParams(text)) };
  }

  function authorizationCode(b: Record<string, string>): Response {
    counts.codeExchanges++;
    const grant = b.code ? codes.get(b.code) : undefined;
    if (!grant) return oauthErr("invalid_grant", "unknown authorization code");
    if (grant.used) return oauthErr("invalid_grant", "authorization code already used");
    grant.used = true;
    if (clock() >= grant.expiresAt) return oauthErr("invalid_grant", "authorization code expired");
    if (b.redirect_uri !== grant.redirectUri) return oauthErr("invalid_grant", "redirect_uri mismatch");
    if (b.state !== grant.state) return oauthErr("invalid_grant", "state mismatch");
    if (!b.code_verifier || s256(b.code_verifier) !== grant.challenge) return oauthErr("invalid_grant", "PKCE verification failed");
    return json(200, tokenBody(issue()));
  }

  async function refresh(b: Record<string, string>): Promise<Response> {
    counts.refreshes++;
    if (refreshGate) await refreshGate;
    const entry = b.refresh_token ? refreshTokens.get(b.refresh_token) : undefined;
    if (!entry || refreshInvalid || revokedFamilies.has(entry.family)) return oauthErr("invalid_grant", "refresh token is invalid");
    if (entry.spent) {
      // Reuse of a rotated token: treat the whole family as stolen, as rotating servers do.
      revokedFamilies.add(entry.family);
      for (const a of accessTokens.values()) if (a.family === entry.family) a.revoked = true;
      return oauthErr("invalid_grant", "refresh token reused");
    }
    if (!rotate) {
      const accessToken = rand("fake-at");
      accessTokens.set(accessToken, { family: entry.family, expiresAt: clock() + accessTtlSec * 1000, revoked: false });
      return json(200, tokenBody({ accessToken, expiresIn: accessTtlSec }));
    }
    entry.spent = true;
    return json(200, tokenBody(issue(entry.family)));
  }

  function deviceToken(b: Record<string, string>): Response {
    counts.devicePolls++;
    const d = b.device_code ? devices.get(b.device_code) : undefined;
    if (!d || d.done) return oauthErr("invalid_grant", "unknown device code");
    const step = deviceScript[Math.min(d.step, deviceScript.length - 1)] ?? "success";
    d.step++;
    switch (step) {
      case "pending":
        return oauthErr("authorization_pending", "waiting for the user");
      case "slow_down":
        return oauthErr("slow_down", "polling too fast", 429);
      case "denied":
        d.done = true;
        return oauthErr("access_denied", "the user denied the request");
      case "expired":
        d.done = true;
        return oauthErr("expired_token", "the device code expired");
      case "success":
        if (d.challenge && (!b.code_verifier || s256(b.code_verifier) !== d.challenge)) {
          return oauthErr("invalid_grant", "PKCE verification failed");
        }
        d.done = true;
        return json(200, { ...tokenBody(issue()), resource_url: "portal.fake.example" });
    }
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req): Promise<Response> {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/oauth/authorize") {
        counts.authorize++;
        const q = url.searchParams;
        if (q.get("client_id") !== clientId) return new Response("unknown client", { status: 400 });
        if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
          return new Response("bad authorize parameters", { status: 400 });
        }
        const state = q.get("state");
        const challenge = q.get("code_challenge");
        const redirect = q.get("redirect_uri");
        if (!state || !challenge || !redirect) return new Response("missing parameters", { status: 400 });
        const code = mintCode({ state, codeChallenge: challenge, redirectUri: redirect });
        // What claude.ai's callback page shows for the user to paste: CODE#STATE.
        return new Response(`${code}#${state}`, { headers: { "content-type": "text/plain" } });
      }
      if (req.method === "POST" && url.pathname === "/api/v1/oauth2/device/code") {
        counts.deviceCodes++;
        const { body } = await readBody(req);
        if (body.client_id !== clientId) return oauthErr("invalid_client", "unknown client", 401);
        const deviceCode = rand("fake-dc");
        const userCode = `U${Math.floor(Math.random() * 1e6).toString().padStart(6, "0")}`;
        devices.set(deviceCode, { challenge: body.code_challenge, step: 0, done: false });
        return json(200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${url.origin}/device`,
          verification_uri_complete: `${url.origin}/device?user_code=${userCode}`,
          expires_in: options.deviceExpiresIn ?? 600,
          interval: options.deviceInterval ?? 2,
        });
      }
      if (req.method === "POST" && (url.pathname === "/v1/oauth/token" || url.pathname === "/api/v1/oauth2/token")) {
        counts.tokenCalls++;
        const rec = { path: url.pathname, ...(await readBody(req)) };
        tokenRequests.push(rec);
        const b = rec.body;
        if (b.client_id !== clientId) return oauthErr("invalid_client", "unknown client", 401);
        if (b.grant_type === "authorization_code") return authorizationCode(b);
        if (b.grant_type === "refresh_token") return refresh(b);
        if (b.grant_type === "urn:ietf:params:oauth:grant-type:device_code") return deviceToken(b);
        return oauthErr("unsupported_grant_type", `grant_type ${b.grant_type} is not supported`);
      }
      if (req.method === "POST" && url.pathname === "/v1/messages") {
        counts.messages++;
        const token = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
        if (!isLive(token)) return json(401, { type: "error", error: { type: "authentication_error", message: "invalid token" } });
        return json(200, { type: "message", content: [{ type: "text", text: "ok" }], beta: req.headers.get("anthropic-beta") });
      }
      return new Response("not found", { status: 404 });
    },
  });

  function mintCode(p: { state: string; codeChallenge: string; redirectUri?: string; ttlMs?: number }): string {
    const code = rand("fake-code");
    codes.set(code, {
      state: p.state,
      challenge: p.codeChallenge,
      redirectUri: p.redirectUri ?? redirectUri,
      expiresAt: clock() + (p.ttlMs ?? codeTtlMs),
      used: false,
    });
    return code;
  }

  function isLive(token: string): boolean {
    const a = accessTokens.get(token);
    return Boolean(a && !a.revoked && !revokedFamilies.has(a.family) && clock() < a.expiresAt);
  }

  const origin = server.url.origin;
  return {
    url: origin,
    clientId,
    redirectUri,
    authorizeUrl: `${origin}/oauth/authorize`,
    tokenUrl: `${origin}/v1/oauth/token`,
    deviceCodeUrl: `${origin}/api/v1/oauth2/device/code`,
    deviceTokenUrl: `${origin}/api/v1/oauth2/token`,
    messagesUrl: `${origin}/v1/messages`,
    counts,
    tokenRequests,
    mintCode,
    issueTokens() {
      const { accessToken, refreshToken, expiresIn } = issue();
      return { accessToken, refreshToken, expiresIn };
    },
    revokeAccessToken(token) {
      const a = accessTokens.get(token);
      if (a) a.revoked = true;
    },
    setRefreshInvalid(on) {
      refreshInvalid = on;
    },
    holdRefreshes() {
      let open!: () => void;
      refreshGate = new Promise<void>((r) => (open = r));
      return () => {
        refreshGate = undefined;
        open();
      };
    },
    setDeviceScript(steps) {
      deviceScript = steps;
    },
    isAccessTokenLive: isLive,
    secrets() {
      const received = tokenRequests.flatMap((r) =>
        ["code", "code_verifier", "refresh_token", "device_code"].map((k) => r.body[k]).filter((v): v is string => Boolean(v)),
      );
      return [...new Set([...accessTokens.keys(), ...refreshTokens.keys(), ...codes.keys(), ...devices.keys(), ...received])];
    },
    async stop() {
      await server.stop(true);
    },
  };
}
