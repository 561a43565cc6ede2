import type { ConfigStore } from "../config/store.ts";
import type { Config } from "../config/schema.ts";
import { assertSecretsOpen } from "../runtime/runtime-config.ts";
import type { Logger } from "../server/logger.ts";
import { createRedisBackend } from "../state/redis-backend.ts";
import type { SharedBackend } from "../state/shared-backend.ts";
import { createConfigSync, type ConfigSync } from "./config-sync.ts";
import { createEventBus, type EventBus } from "./event-bus.ts";

/**
 * What a gateway process shares with the others, made before its server starts (src/runtime/start-server.ts
 * builds the sharing of health, sessions, spend… on it, and closes it at shutdown).
 */
export interface SharedSetup {
  backend: SharedBackend;
  bus: EventBus;
  /** Cluster mode: the configuration lives in the shared store too. Absent for workers, which share one file. */
  configSync?: ConfigSync;
}

/** How long `server start` waits for Redis before serving with its own file and state (and syncing later). */
export const STARTUP_WAIT_MS = 3000;

/**
 * Cluster mode through Redis: the backend (connecting in the background), the events channel, and the configuration
 * brought in line with the shared one before the server reads it (waiting for Redis at most STARTUP_WAIT_MS: a
 * Redis that is away never stops a start).
 */
export async function openRedisCluster(opts: { url: string; config: Config; store: ConfigStore; log: Logger; clock?: () => number }): Promise<SharedSetup> {
  const { state } = opts.config;
  const backend = createRedisBackend({ url: opts.url, prefix: state.key_prefix, timeoutMs: state.timeout * 1000, log: opts.log, clock: opts.clock });
  const bus = createEventBus(backend);
  const configSync = createConfigSync({
    backend,
    bus,
    store: opts.store,
    verify: (c) => assertSecretsOpen(opts.store, c),
    ready: (ms) => backend.ready(ms),
    log: opts.log,
  });
  await configSync.start(STARTUP_WAIT_MS);
  return { backend, bus, configSync };
}
