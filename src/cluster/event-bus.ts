import type { SharedBackend } from "../state/shared-backend.ts";

/** The kinds of news gateway processes send each other: account health, a sticky binding, a configuration version. */
export type ClusterEventType = "health" | "sticky" | "config";

interface Envelope {
  /** The event's kind. */
  t: ClusterEventType;
  /** The sending process (its own events come back on the channel and are dropped). */
  o: string;
  /** The event itself. */
  b: unknown;
}

export interface EventBus {
  /** This process's id on the bus. */
  readonly origin: string;
  /** Sends news to the other processes; never waits, never throws (lost while the store is away). */
  send(type: ClusterEventType, body: unknown): void;
  on(type: ClusterEventType, handler: (body: unknown) => void): void;
}

/**
 * The shared backend's one events channel, as typed news: each message is parsed once and handed to the handler
 * of its kind; a process's own messages are dropped, and so is anything that does not parse.
 */
export function createEventBus(backend: SharedBackend, origin: string = crypto.randomUUID()): EventBus {
  const handlers = new Map<ClusterEventType, (body: unknown) => void>();
  backend.onMessage((text) => {
    let e: Envelope;
    try {
      e = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (!e || e.o === origin) return;
    handlers.get(e.t)?.(e.b);
  });
  return {
    origin,
    send(type, body) {
      if (!backend.up) return;
      backend.publish(JSON.stringify({ t: type, o: origin, b: body } satisfies Envelope)).catch(() => undefined);
    },
    on(type, handler) {
      handlers.set(type, handler);
    },
  };
}
