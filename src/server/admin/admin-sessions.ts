import { createHash, randomBytes } from "node:crypto";
import { hashesEqual } from "../../config/secrets.ts";

/**
 * The admin UI's sign-in sessions: in process memory here (a restart signs everyone out); shared between gateway
 * processes in cluster mode and with workers (src/cluster/shared-admin-sessions.ts), so that a load balancer without
 * stickiness, or the kernel's spreading of connections over workers, signs nobody out. The browser holds a random
 * 32-byte id in an HttpOnly cookie; the server keeps only its SHA-256, so a dump of this map opens nothing. Each
 * session has a CSRF token the UI sends back as `x-csrf-token` on every change, an absolute lifetime and an idle
 * timeout; there are at most `max` of them (signing in past that ends the least recently used one).
 */
export interface AdminSession {
  keyId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface AdminSessions {
  /** A new session for a key: the raw id (the cookie's value, never kept) and the session. */
  create(keyId: string): Promise<{ id: string; session: AdminSession }>;
  /** The live session for a cookie value, touched; undefined when unknown, expired or idle too long (then dropped). */
  get(id: string): Promise<AdminSession | undefined>;
  delete(id: string): Promise<void>;
}

/** A cookie value's form (32 random bytes, base64url): anything else is not looked up. */
export const isSessionId = (id: string) => /^[A-Za-z0-9_-]{43}$/.test(id);

/** What is kept of a session id: its SHA-256 (a dump of the store opens nothing). */
export const hashSessionId = (id: string) => createHash("sha256").update(id).digest("hex");

/** A fresh session for a key (the id is the cookie's value and is not kept). */
export function newSession(keyId: string, now: number, lifetimeMs: number): { id: string; session: AdminSession } {
  const id = randomBytes(32).toString("base64url");
  return { id, session: { keyId, csrfToken: randomBytes(32).toString("base64url"), createdAt: now, lastSeenAt: now, expiresAt: now + lifetimeMs } };
}

export const SESSION_LIFETIME_MS = 12 * 3600_000;
export const SESSION_IDLE_MS = 60 * 60_000;
export const MAX_SESSIONS = 100;

const hashId = hashSessionId;

export function createAdminSessions(opts: { clock: () => number; lifetimeMs?: number; idleMs?: number; max?: number }): AdminSessions {
  const lifetime = opts.lifetimeMs ?? SESSION_LIFETIME_MS;
  const idle = opts.idleMs ?? SESSION_IDLE_MS;
  const max = opts.max ?? MAX_SESSIONS;
  // Insertion order is kept up to date with use (delete + set on every touch): the first entry is the least recent.
  const sessions = new Map<string, AdminSession>();
  const live = (s: AdminSession, now: number) => now < s.expiresAt && now - s.lastSeenAt < idle;
  return {
    async create(keyId) {
      const now = opts.clock();
      for (const [h, s] of sessions) if (!live(s, now)) sessions.delete(h);
      while (sessions.size >= max) sessions.delete(sessions.keys().next().value!);
      const made = newSession(keyId, now, lifetime);
      sessions.set(hashId(made.id), made.session);
      return made;
    },
    async get(id) {
      if (!isSessionId(id)) return undefined;
      const h = hashId(id);
      const s = sessions.get(h);
      if (!s) return undefined;
      const now = opts.clock();
      sessions.delete(h);
      if (!live(s, now)) return undefined;
      s.lastSeenAt = now;
      sessions.set(h, s);
      return s;
    },
    async delete(id) {
      sessions.delete(hashId(id));
    },
  };
}

/** Constant-time comparison of the CSRF token a request sent with the session's. */
export function csrfMatches(session: AdminSession, sent: string | null): boolean {
  if (!sent) return false;
  return hashesEqual(hashId(session.csrfToken), hashId(sent));
}
