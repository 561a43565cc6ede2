import type { Cipher } from "../config/secrets.ts";
import {
  hashSessionId,
  isSessionId,
  newSession,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
  type AdminSession,
  type AdminSessions,
} from "../server/admin/admin-sessions.ts";
import type { SharedBackend } from "../state/shared-backend.ts";

/**
 * The admin UI's sessions shared between gateway processes: a session made on one instance (or worker) is good on
 * every other, and signing out ends it everywhere. Each is kept under `admin-session:<SHA-256 of its id>`, sealed
 * with the master key (it holds the CSRF token), expiring when it would end (idle timeout or lifetime, the earlier);
 * each use renews it. While the shared store is away, sessions are made and found in this process (`local`) and
 * stay there.
 */
export function createSharedAdminSessions(deps: {
  backend: SharedBackend;
  local: AdminSessions;
  cipher: () => Cipher;
  clock: () => number;
  lifetimeMs?: number;
  idleMs?: number;
}): AdminSessions {
  const { backend, local, clock } = deps;
  const lifetime = deps.lifetimeMs ?? SESSION_LIFETIME_MS;
  const idle = deps.idleMs ?? SESSION_IDLE_MS;
  const keyOf = (id: string) => `admin-session:${hashSessionId(id)}`;
  const save = (id: string, s: AdminSession, now: number) =>
    backend.set(keyOf(id), deps.cipher().encrypt(JSON.stringify(s)), Math.max(1, Math.min(s.expiresAt - now, idle)));

  return {
    async create(keyId) {
      if (!backend.up) return local.create(keyId);
      const now = clock();
      const made = newSession(keyId, now, lifetime);
      try {
        await save(made.id, made.session, now);
        return made;
      } catch {
        return local.create(keyId);
      }
    },
    async get(id) {
      if (!isSessionId(id)) return undefined;
      if (backend.up) {
        try {
          const sealed = await backend.get(keyOf(id));
          if (sealed !== null) {
            const s = JSON.parse(deps.cipher().decrypt(sealed, "an admin session")) as AdminSession;
            const now = clock();
            if (now >= s.expiresAt || now - s.lastSeenAt >= idle) return undefined;
            s.lastSeenAt = now;
            save(id, s, now).catch(() => undefined);
            return s;
          }
        } catch {
          // the store failed: this process's own sessions
        }
      }
      return local.get(id);
    },
    async delete(id) {
      await local.delete(id);
      if (backend.up) await backend.del(keyOf(id)).catch(() => undefined);
    },
  };
}
