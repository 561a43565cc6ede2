import type { Config, GatewayKey } from "../../config/schema.ts";
import { GatewayError } from "../../errors.ts";
import { createAuthenticator, presentedKey } from "../authenticate.ts";
import { csrfMatches, type AdminSession, type AdminSessions } from "./admin-sessions.ts";

/** The admin UI's session cookie: scoped to /admin, never readable by scripts, never sent cross-site. */
export const SESSION_COOKIE = "lgw_admin";

/** Who is calling the admin API: a bearer key with the admin permission, or a signed-in session. */
export interface AdminCaller {
  key: GatewayKey;
  via: "bearer" | "session";
  /** The cookie's value (the session id), for sign-out. */
  sessionId?: string;
  session?: AdminSession;
}

/** The session id the request's cookie carries. */
export function sessionCookie(request: Request): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookieHeader(id: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? "; Secure" : ""}`;
}

export const clearedSessionCookie = (secure: boolean) => sessionCookieHeader("", 0, secure);

/**
 * The admin API's authentication. A request that presents a key (Authorization: Bearer, x-api-key) is judged by
 * that key alone, as on every other route: it needs the admin permission, and no CSRF token (a browser never
 * attaches a bearer key by itself). Otherwise the session cookie: its key must still exist, be enabled, unexpired
 * and hold the admin permission (a session ends the moment its key is disabled, removed or loses admin), and a
 * change (any method but GET) must carry the session's CSRF token in `x-csrf-token`.
 */
export function createAdminAuth(deps: { config(): Config; clock(): number; sessions: AdminSessions; sessionsEnabled(): boolean }) {
  const authenticate = createAuthenticator();
  return async (request: Request, change: boolean): Promise<AdminCaller> => {
    const config = deps.config();
    const now = deps.clock();
    if (presentedKey(request.headers) !== undefined) {
      return { key: authenticate(request.headers, config.gateway_keys, "admin", now), via: "bearer" };
    }
    const id = sessionCookie(request);
    if (!id || !deps.sessionsEnabled()) {
      throw new GatewayError(401, "authentication", "not signed in: sign in at /admin, or send an admin key as `Authorization: Bearer <key>`");
    }
    const session = await deps.sessions.get(id);
    if (!session) throw new GatewayError(401, "authentication", "the session has ended (signed out, expired or idle too long); sign in again");
    const key = config.gateway_keys.find((k) => k.id === session.keyId);
    const usable = key && key.status === "active" && !(key.expires_at && Date.parse(key.expires_at) <= now) && key.permissions.includes("admin");
    if (!usable) {
      await deps.sessions.delete(id);
      throw new GatewayError(401, "authentication", "the session's key was disabled, removed, expired or lost the admin permission; sign in again");
    }
    if (change && !csrfMatches(session, request.headers.get("x-csrf-token"))) {
      throw new GatewayError(403, "permission", "missing or wrong x-csrf-token header (changes made with the session cookie need the session's CSRF token)", { param: "x-csrf-token" });
    }
    return { key, via: "session", sessionId: id, session };
  };
}
