import type { HealthRegistry, SharedHealthEvent } from "../routing/health-registry.ts";
import type { SharedBackend } from "../state/shared-backend.ts";
import type { EventBus } from "./event-bus.ts";

/** How long an authentication failure stays in the shared store for processes that start later. */
const AUTH_KEPT_MS = 3600_000;

interface HealthNews {
  a: string;
  e: SharedHealthEvent;
}

export interface HealthSharing {
  /** The registry's onShared: queues the change; it goes out after the caller's turn. */
  local(accountId: string, event: SharedHealthEvent): void;
}

/**
 * Account health shared between gateway processes. A change this process sees (a cooldown from a 429's reset
 * headers, an authentication failure, a breaker that opened, the account working again) is queued on the request
 * path and sent after it: published on the events channel (every process applies it to its own registry within
 * milliseconds) and kept under `health:<account id>` until it ends (for a process that starts or reconnects
 * later). Routing reads only its own registry: no round trip on the request path. On each (re)connection the
 * kept records of the configured accounts are read and applied, then this process's own current state is
 * shared again (what it saw while the store was away).
 */
export function createHealthSharing(deps: {
  backend: SharedBackend;
  bus: EventBus;
  /** Read lazily: the router is built with this module's `local` as its callback. */
  registry: () => HealthRegistry;
  /** The configured accounts' ids (only these are applied: the registry stays bounded). */
  accountIds: () => readonly string[];
  clock: () => number;
}): HealthSharing {
  const { backend, bus, clock } = deps;
  let queued: HealthNews[] = [];
  let scheduled = false;

  const known = (id: string) => deps.accountIds().includes(id);

  /** The account's shared record: its current cooldown, auth failure and open breaker, with a time to live. */
  const keep = (accountId: string) => {
    const events = deps.registry().sharedState(accountId);
    const key = `health:${accountId}`;
    if (events.length === 0) return backend.del(key);
    const now = clock();
    const ttl = Math.max(1000, ...events.map((e) => (e.kind === "cooldown" || e.kind === "open" ? e.until - now : AUTH_KEPT_MS)));
    return backend.set(key, JSON.stringify(events), ttl);
  };

  const flush = () => {
    scheduled = false;
    const batch = queued;
    queued = [];
    if (!backend.up) return;
    const touched = new Set<string>();
    for (const n of batch) {
      bus.send("health", n);
      touched.add(n.a);
    }
    for (const id of touched) keep(id).catch(() => undefined);
  };

  bus.on("health", (body) => {
    const n = body as HealthNews;
    if (typeof n?.a !== "string" || typeof n.e?.kind !== "string" || !known(n.a)) return;
    deps.registry().applyShared(n.a, n.e);
  });

  backend.onUp(() => {
    const ids = [...deps.accountIds()];
    if (ids.length === 0) return;
    backend
      .mget(ids.map((id) => `health:${id}`))
      .then((records) => {
        const registry = deps.registry();
        records.forEach((text, i) => {
          if (!text) return;
          try {
            for (const e of JSON.parse(text) as SharedHealthEvent[]) registry.applyShared(ids[i]!, e);
          } catch {
            // a record this version cannot read: ignored
          }
        });
        // What this process saw meanwhile (or before it joined), for the others.
        for (const id of ids) {
          const events = registry.sharedState(id);
          if (events.length === 0) continue;
          for (const e of events) bus.send("health", { a: id, e } satisfies HealthNews);
          keep(id).catch(() => undefined);
        }
      })
      .catch(() => undefined);
  });

  return {
    local(accountId, event) {
      queued.push({ a: accountId, e: event });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
