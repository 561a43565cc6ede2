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
  const log = createLogger({ level: initial.logging.level, format: initial.logging.format, sink: opts.logSink, clock });
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
    upstream: {
      fetch: networkFetch,
      mockFetch: mockFetch as FetchFn,
      credential: (a) => credentials.credential(a),
      refreshCredential: (a, failed) => credentials.refreshCredential(a, failed),
    },
  });
  const live = watchConfig(opts.store, initial, log, routing.onConfigChange);
  const state = createMemoryStore(clock);
  // API keys and OAuth tokens (refreshed in the background and on demand; see oauth-credentials.ts).
  const credentials = createUpstreamCredentials({ store: opts.store, config: live.current, state, clock, fetch: networkFetch, log });
  credentials.start();
  const router = routing.router;
  routing.start();

  // The admin UI's live view: each request's summary, its tokens when the upstream reports them.
  const feed = createRequestFeed({ clock });
  const usage = createUsageMeter({ onTokens: (l, u) => feed.tokens(l.requestId, u) });
  // Prices are the live config's: a reload that changes usage.prices applies from the next request.
  const recorder = createUsageRecorder({ meter: usage, prices: livePriceTable(() => live.current().usage.prices), ledger, state, clock });
  // GET /admin/api/usage: the ledger this process writes, when it writes one (its queries run on the ledger's worker
  // and see the rows committed so far); otherwise the ledger read-only, which another gateway may write.
  const usageReader = ledger ? undefined : openServerUsageReader(initial, opts.store.path);
  let token: string | undefined;
  const app = createApp({
    config: live.current,
    usage,
    recorder,
    ledgerHealth: () => ledger?.health(),
    accountGauges: () =>
      live.current().upstream_accounts.map((a) => {
        const st = router.status(a.id);
        return { id: a.id, provider: a.provider, state: a.status === "active" ? st.state : "disabled", inFlight: st.inFlight };
      }),
    state,
    responseStore: createMemoryResponseStore({ ...DEFAULT_RESPONSE_STORE, clock }),
    log,
    clock,
    version: opts.version,
    startedAt: clock(),
    accountHealth: () => accountHealthList(router, live.current().upstream_accounts),
    queryUsage: (q) => (ledger ? ledger.query(q) : usageReader!.query(q)),
    requestFeed: feed,
    admin: {
      store: opts.store,
      reload: () => live.reload(),
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
  log.lifecycle(`listening on ${url}`, { url, version: opts.version, config: opts.store.path });

  return {
    url,
    port,
    hostname,
    async shutdown(graceMs, signal) {
      log.lifecycle("stopping: finishing requests in flight", { ...(signal && { signal }), grace_s: graceMs / 1000 });
      live.stop();
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
      // forced: the grace period ran out and the remaining connections were closed.
      log.lifecycle("stopped", { forced });
      return { forced };
    },
  };
}
