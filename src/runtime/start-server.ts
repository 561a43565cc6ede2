import type { ConfigStore } from "../config/store.ts";
import type { Router } from "../routing/router.ts";
import { mockFetch } from "../providers/mock.ts";
import { createMemoryStore } from "../state/memory-store.ts";
import { createMemoryResponseStore, DEFAULT_RESPONSE_STORE } from "../state/memory-response-store.ts";
import { createNetworkFetch } from "../transport/network-fetch.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { accountHealthList } from "./account-health.ts";
import { createApp } from "../server/create-app.ts";
import { createLogger, type LogSink } from "../server/logger.ts";
import { operatorToken } from "../server/operator-token.ts";
import { errorResponse, toGatewayError } from "../server/error-response.ts";
import { newRequestId } from "../server/request-id.ts";
import { createUpstreamCredentials } from "./oauth-credentials.ts";
import { createRoutingRuntime } from "./routing-runtime.ts";
import { runtimeConfig, watchConfig } from "./runtime-config.ts";
import { openServerUsageReader } from "./usage-reader.ts";
import { createUsageMeter } from "../usage/usage-meter.ts";
import { createRequestFeed } from "../usage/request-feed.ts";
import { openUsageLedger } from "../usage/ledger/ledger-from-config.ts";
import { livePriceTable } from "../usage/prices/price-table.ts";
import { createUsageRecorder } from "../usage/usage-recorder.ts";
import { spendCapHold } from "./spend-caps.ts";
import type { SharedSetup } from "../cluster/shared-setup.ts";
import { createHealthSharing } from "../cluster/health-sharing.ts";
import { createStickySharing } from "../cluster/sticky-sharing.ts";
import { createSharedSpend } from "../cluster/shared-spend.ts";
import { createSharedAdminSessions } from "../cluster/shared-admin-sessions.ts";
import { createSharedStateStore } from "../state/shared-state-store.ts";
import { createSharedResponseStore } from "../state/shared-response-store.ts";
import { createAdminSessions } from "../server/admin/admin-sessions.ts";
import { createStateLoginLimiter } from "../server/admin/login-limiter.ts";
import type { Logger } from "../server/logger.ts";

export interface ServerOptions {
  store: ConfigStore;
  host?: string;
  port?: number;
  version: string;
  logSink: LogSink;
  /** Default: a router built from the file's `routing` section. */
  router?: Router;
  fetch?: FetchFn;
  clock?: () => number;
  /** A logger already made (the CLI's, shared with what it set up before); default: one on `logSink`. */
  log?: Logger;
  /**
   * State shared with other gateway processes (cluster mode through Redis, or the workers' supervisor): limits,
   * spend, health, sticky sessions, OAuth locks and tokens, admin sessions, kept Responses answers. The server owns it
   * from here (closes it at shutdown). Absent: this process's memory.
   */
  shared?: SharedSetup;
  /** Several processes listen on one port (`server start --workers`, Linux's SO_REUSEPORT). */
  reusePort?: boolean;
  /** This process is worker N of `server start --workers` (in its start and stop lines, and /health's details). */
  workerIndex?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  hostname: string;
  /**
   * Stops accepting, lets requests and streams in flight finish for up to `graceMs`, then closes the rest.
   * `signal` (what asked for the stop) goes into the log line.
   */
  shutdown(graceMs: number, signal?: string): Promise<{ forced: boolean }>;
}

/** Builds everything a gateway process needs from its configuration file and starts listening. */
export function startServer(opts: ServerOptions): RunningServer {
  const clock = opts.clock ?? Date.now;
  const networkFetch = opts.fetch ?? createNetworkFetch();
  const initial = runtimeConfig(opts.store, opts.store.load());
  const log = opts.log ?? createLogger({ level: initial.logging.level, format: initial.logging.format, sink: opts.logSink, clock });
  const shared = opts.shared;
  // Which accounts' health news to apply (the configured ones), worked out once per configuration.
  let idsFor: { accounts: readonly unknown[]; ids: string[] } | undefined;
  const accountIds = () => {
    const accounts = live.current().upstream_accounts;
    if (idsFor?.accounts !== accounts) idsFor = { accounts, ids: accounts.map((a) => a.id) };
    return idsFor.ids;
  };
  const healthSharing =
    shared && createHealthSharing({ backend: shared.backend, bus: shared.bus, registry: () => routing.router.registry, accountIds, clock });
  const stickySharing =
    shared && createStickySharing({ backend: shared.backend, bus: shared.bus, router: () => routing.router, ttlMs: initial.routing.sticky.ttl * 1000, clock });
  // The usage ledger (usage.enabled; its database settings are read at start): it does not wait for its database,
  // which is checked in the background (a failure shows in /health and is retried).
  const ledger = openUsageLedger({ usage: initial.usage, configPath: opts.store.path, logger: log, clock });
  // Routing first: the reload callback forgets removed accounts (its lazy deps are read only later).
  const routing = createRoutingRuntime({
    initial,
    config: () => live.current(),
    clock,
    router: opts.router,
    hold: spendCapHold({ config: () => live.current(), spendOf: (id, now) => recorder.spendOf("account", id, now), clock }),
    sharing: shared && { health: healthSharing!.local, ...stickySharing! },
    upstream: {
      fetch: networkFetch,
      mockFetch: mockFetch as FetchFn,
      credential: (a) => credentials.credential(a),
      refreshCredential: (a, failed) => credentials.refreshCredential(a, failed),
    },
  });
  const live = watchConfig(opts.store, initial, log, routing.onConfigChange);
  // A version another instance shared is applied as soon as it is in the file.
  shared?.configSync?.onApplied(() => live.reload());
  const state = shared ? createSharedStateStore({ backend: shared.backend, local: createMemoryStore(clock), clock }) : createMemoryStore(clock);
  // API keys and OAuth tokens (refreshed in the background and on demand; see oauth-credentials.ts). With others
  // sharing the tokens, a refresh shares what it saved before releasing its lock, and reads what others saved.
  const credentials = createUpstreamCredentials({
    store: opts.store,
    config: live.current,
    state,
    clock,
    fetch: networkFetch,
    log,
    share: shared
      ? async () => {
          await shared.configSync?.sync();
          live.reload();
        }
      : undefined,
  });
  credentials.start();
  const router = routing.router;
  routing.start();

  // The admin UI's live view: each request's summary, its tokens when the upstream reports them.
  const feed = createRequestFeed({ clock });
  const usage = createUsageMeter({ onTokens: (l, u) => feed.tokens(l.requestId, u) });
  // Prices are the live config's: a reload that changes usage.prices applies from the next request.
  const sharedSpend =
    shared && createSharedSpend({ backend: shared.backend, config: live.current, local: (subject, id, now) => recorder.spendOf(subject, id, now), clock });
  const recorder = createUsageRecorder({
    meter: usage,
    prices: livePriceTable(() => live.current().usage.prices),
    ledger,
    state,
    clock,
    sharedSpend: sharedSpend || undefined,
  });
  const localResponses = createMemoryResponseStore({ ...DEFAULT_RESPONSE_STORE, clock });
  const cipher = () => opts.store.cipher;
  // GET /admin/api/usage: the ledger this process writes, when it writes one (its queries run on the ledger's worker
  // and see the rows committed so far); otherwise the ledger read-only, which another gateway may write.
  const usageReader = ledger ? undefined : openServerUsageReader(initial, opts.store.path);
  let token: string | undefined;
  const app = createApp({
    config: live.current,
    usage,
    recorder,
    ledgerHealth: () => ledger?.health(),
    sharedState: () => shared?.backend.status(),
    workerIndex: opts.workerIndex,
    accountGauges: () =>
      live.current().upstream_accounts.map((a) => {
        const st = router.status(a.id);
        return { id: a.id, provider: a.provider, state: a.status === "active" ? st.state : "disabled", inFlight: st.inFlight };
      }),
    state,
    responseStore: shared
      ? createSharedResponseStore({ backend: shared.backend, local: localResponses, cipher, ttlMs: DEFAULT_RESPONSE_STORE.ttlMs })
      : localResponses,
    log,
    clock,
    version: opts.version,
    startedAt: clock(),
    accountHealth: () => accountHealthList(router, live.current().upstream_accounts),
    queryUsage: (q) => (ledger ? ledger.query(q) : usageReader!.query(q)),
    requestFeed: feed,
    admin: {
      store: opts.store,
      reload: () => {
        live.reload();
        shared?.configSync?.check();
      },
      ...(shared && {
        sessions: createSharedAdminSessions({ backend: shared.backend, local: createAdminSessions({ clock }), cipher, clock }),
        loginLimiter: createStateLoginLimiter({ state, clock }),
      }),
      peerAddress: (request) => server.requestIP(request)?.address,
      oauthFetch: networkFetch,
    },
    operatorToken: () => {
      // Derived once the master key exists (the first `upstream add` may make it while the server runs).
      if (token === undefined) {
        const key = opts.store.existingMasterKey();
        if (key) token = operatorToken(key);
      }
      return token;
    },
    proxy: {
      config: live.current,
      router,
      fetch: networkFetch,
      mockFetch: mockFetch as FetchFn,
      credential: credentials.credential,
      refreshCredential: credentials.refreshCredential,
      clock,
    },
  });

  const server = Bun.serve({
    hostname: opts.host ?? initial.server.host,
    port: opts.port ?? initial.server.port,
    idleTimeout: initial.server.idle_timeout,
    // The body limit is readJsonBody's (server.body_limit, read per request, so a reload applies at once): Bun's own
    // would answer a bare 413 before any of our code runs. A body no route reads is drained, not kept.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    reusePort: opts.reusePort ?? false,
    fetch: (request) => app.handle(request),
    // The app answers its own errors; this is the net under it (Bun gives no request here, so OpenAI's shape).
    // Bun's own 431 for headers over its limit never comes here: nothing of ours runs for it (README).
    error(e) {
      log.log("error", "unhandled error", { error: String((e as Error)?.stack ?? e) });
      return errorResponse(toGatewayError(e), "openai-chat", { "x-request-id": newRequestId() });
    },
  });
  const hostname = server.hostname ?? "0.0.0.0";
  const port = server.port ?? 0;
  const shownHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${shownHost}:${port}`;
  // The log is JSON lines (or the pretty format): the start and stop lines are lines of it like any other.
  const worker = opts.workerIndex === undefined ? undefined : { worker: opts.workerIndex, pid: process.pid };
  log.lifecycle(`listening on ${url}`, { url, version: opts.version, config: opts.store.path, ...worker });

  return {
    url,
    port,
    hostname,
    async shutdown(graceMs, signal) {
      log.lifecycle("stopping: finishing requests in flight", { ...(signal && { signal }), grace_s: graceMs / 1000, ...worker });
      live.stop();
      shared?.configSync?.stop();
      routing.stop();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceful = server.stop(false).then(() => false);
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      });
      const forced = await Promise.race([graceful, deadline]);
      clearTimeout(timer);
      if (forced) await server.stop(true);
      await credentials.stop();
      await usageReader?.close();
      // Requests are over: every row is recorded; what is buffered is written (5 s at most), then the database closes.
      await ledger?.close();
      await state.close();
      // What this process spent and has not shared yet goes out before the connection closes.
      await sharedSpend?.stop();
      await shared?.backend.close();
      // forced: the grace period ran out and the remaining connections were closed.
      log.lifecycle("stopped", { forced, ...worker });
      return { forced };
    },
  };
}
