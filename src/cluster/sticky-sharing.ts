import type { Router, RouterSharing } from "../routing/router.ts";
import type { SharedBackend } from "../state/shared-backend.ts";
import type { EventBus } from "./event-bus.ts";

interface StickyNews {
  /** The binding's key (a digest of the session key and the model: no user identifier travels). */
  k: string;
  a: string;
}

/** Keys whose time to live was renewed lately, at most this many remembered. */
const MAX_RENEWALS = 10_000;

/**
 * Sticky sessions shared between gateway processes, so a conversation stays on one account whichever instance
 * (or worker) its requests reach. A new binding (or a move to another account) is published and kept under
 * `sticky:<key>` for the sticky time to live; every process binds it in its own map as it arrives. A conversation a
 * process has not seen (it started elsewhere before this process ran, or while the store was away) is looked up
 * once, before its request is routed (Router.prepare); after that the process's own map answers. A binding in use
 * has its time to live renewed at most every quarter of it.
 */
export function createStickySharing(deps: {
  backend: SharedBackend;
  bus: EventBus;
  router: () => Router;
  ttlMs: number;
  clock: () => number;
}): Required<Pick<RouterSharing, "sticky" | "lookupSticky">> {
  const { backend, bus, ttlMs, clock } = deps;
  const renewed = new Map<string, number>();

  bus.on("sticky", (body) => {
    const n = body as StickyNews;
    if (typeof n?.k === "string" && typeof n.a === "string") deps.router().applySticky(n.k, n.a);
  });

  return {
    sticky(key, accountId, changed) {
      if (!backend.up || ttlMs <= 0) return;
      const now = clock();
      if (changed) {
        bus.send("sticky", { k: key, a: accountId } satisfies StickyNews);
        backend.set(`sticky:${key}`, accountId, ttlMs).catch(() => undefined);
      } else if (now - (renewed.get(key) ?? 0) >= ttlMs / 4) {
        backend.expire(`sticky:${key}`, ttlMs).catch(() => undefined);
      } else {
        return;
      }
      if (renewed.size >= MAX_RENEWALS) renewed.clear();
      renewed.set(key, now);
    },
    lookupSticky(key) {
      if (!backend.up) return undefined;
      return backend.get(`sticky:${key}`).then(
        (id) => id ?? undefined,
        () => undefined,
      );
    },
  };
}
