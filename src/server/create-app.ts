import { Elysia } from "elysia";
import type { Config, GatewayKey, Permission } from "../config/schema.ts";
import type { DialectName } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import { countTokens } from "../gateway/count-tokens.ts";
import {
  anthropicModel,
  anthropicModelList,
  findServedModel,
  geminiModel,
  geminiModelList,
  listServedModels,
  openaiModel,
  openaiModelList,
} from "../gateway/list-models.ts";
import { proxyLlmRequest, type ProxyDeps } from "../gateway/proxy-llm-request.ts";
import { readJsonBody } from "../gateway/read-json-body.ts";
import { resolveKeptConversation } from "../gateway/responses-conversation.ts";
import { createMemoryResponseStore } from "../state/memory-response-store.ts";
import type { ResponseStore } from "../state/response-store.ts";
import type { SharedStatus } from "../state/shared-backend.ts";
import type { StateStore } from "../state/types.ts";
import { hashesEqual, hashKey } from "../config/secrets.ts";
import type { QueryUsage } from "./admin-usage.ts";
import { adminApi, type AdminDeps } from "./admin/admin-api.ts";
import { adminUiRoutes } from "./admin/admin-ui.ts";
import { createAuthenticator, presentedKey } from "./authenticate.ts";
import { corsHeaders } from "./cors.ts";
import { errorDialectForPath, errorResponse, toGatewayError } from "./error-response.ts";
import { fromGeminiClient, isGeminiMethod, modelSegment, parseGeminiCall } from "./gemini-path.ts";
import { docsRoutes } from "./docs.ts";
import { healthDocument, type AccountHealthSummary, type LedgerHealthSummary, type StateStoreHealthSummary } from "./health-document.ts";
import type { Logger } from "./logger.ts";
import { openapiDetails } from "./openapi-details.ts";
import { OPERATOR_TOKEN_PREFIX } from "./operator-token.ts";
import { enforceAllowedModel, enforceUsageLimits } from "./key-limits.ts";
import { enforceRateLimit } from "./rate-limit.ts";
import { requestIdOf } from "./request-id.ts";
import { sniffCompletionsDialect } from "./sniff-completions-dialect.ts";
import { renderPrometheus, type AccountGauge } from "../usage/prometheus.ts";
import { createUsageMeter, type UsageMeter } from "../usage/usage-meter.ts";
import { createRequestFeed, type RequestFeed } from "../usage/request-feed.ts";
import { createUsageRecorder, type RequestUsage, type UsageRecorder } from "../usage/usage-recorder.ts";
import { livePriceTable } from "../usage/prices/price-table.ts";
import type { LedgerHealth } from "../usage/ledger/batch-writer.ts";

export interface AppDeps {
  config(): Config;
  state: StateStore;
  log: Logger;
  clock: () => number;
  version: string;
  startedAt: number;
  proxy: ProxyDeps;
  /** Request and token counters (/metrics). Default: a fresh meter. */
  usage?: UsageMeter;
  /**
   * Where each LLM request's usage row goes (cost, token counters, the ledger, spend for budgets). Default: one on
   * `usage` without a ledger (spend counted in memory).
   */
  recorder?: UsageRecorder;
  /** The usage ledger's health for /health; undefined when the ledger is off. */
  ledgerHealth?(): LedgerHealth | undefined;
  /** The shared state's (cluster mode, workers) for /health; undefined in one process alone. */
  sharedState?(): SharedStatus | undefined;
  /** This process's index among the workers of `server start --workers` (in /health's details). */
  workerIndex?: number;
  /** Per-account state for /metrics gauges. */
  accountGauges?(): AccountGauge[];
  /** Health of each enabled account, for /health. */
  accountHealth(): AccountHealthSummary[];
  /** The CLI's token for /health details (src/server/operator-token.ts); undefined while there is no master key. */
  operatorToken?(): string | undefined;
  /** Responses the gateway answered for OpenAI Responses clients, for follow-ups. Default: a fresh in-memory store. */
  responseStore?: ResponseStore;
  /** The usage ledger's reports, for `GET /admin/api/usage`; absent: that route answers 503. */
  queryUsage?: QueryUsage;
  /** What the admin UI and API need of the server (src/server/admin/): the config file, reloads, client addresses. */
  admin?: Pick<AdminDeps, "store" | "reload" | "peerAddress" | "oauthFetch" | "oauthSleep" | "sessions" | "loginLimiter">;
  /** The admin UI's recent requests and per-minute totals (fed below and by the usage meter's tokens). Default: a fresh one. */
  requestFeed?: RequestFeed;
}

interface Handled {
  key: GatewayKey;
  requestId: string;
  logFields: Record<string, unknown>;
  /** The request's usage row, on the routes that are recorded (the LLM routes). */
  usage?: RequestUsage;
  /**
   * The gateway's headers for this answer (rate-limit state, request id, CORS): every handler builds its Response
   * with them (one header object per answer, nothing set afterwards).
   */
  headers: Record<string, string>;
}

/**
 * The HTTP application. It never listens by itself (the server command does), so tests drive it with
 * `app.handle(new Request(…))`. Every API route runs the same chain, in this order:
 * request id and CORS → auth → rate limit → handler → one access-log line; errors leave in the client's dialect.
 * Every answer is built once with the gateway's headers (Handled.headers; errorResponse for errors).
 */
export function createApp(deps: AppDeps) {
  const authenticate = createAuthenticator();
  const feed = deps.requestFeed ?? createRequestFeed({ clock: deps.clock });
  const usage = deps.usage ?? createUsageMeter({ onTokens: (l, u) => feed.tokens(l.requestId, u) });
  const responseStore = deps.responseStore ?? createMemoryResponseStore();
  const recorder =
    deps.recorder ?? createUsageRecorder({ meter: usage, prices: livePriceTable(() => deps.config().usage.prices), state: deps.state, clock: deps.clock });
  const spendOfKey = (id: string, now: number) => recorder.spendOf("key", id, now);
  /** The gateway's own headers, on every answer: the request id, and CORS when the origin is allowed. */
  const ownHeaders = (request: Request, requestId = requestIdOf(request.headers)): Record<string, string> => ({
    "x-request-id": requestId,
    ...corsHeaders(request.headers.get("origin"), deps.config().server.cors_origins),
  });

  async function guarded(
    request: Request,
    route: string,
    permission: Permission,
    errorDialect: DialectName,
    handler: (ctx: Handled) => Promise<Response> | Response,
    opts: {
      /** Gemini routes: the key may come in `?key=` too (presentedKey). */
      keyInQuery?: boolean;
      /** A billable route: the dialect its usage row starts with (the handler may correct it); budgets apply. */
      billable?: DialectName;
    } = {},
  ): Promise<Response> {
    const started = performance.now();
    const config = deps.config();
    const now = deps.clock();
    const requestId = requestIdOf(request.headers);
    const logFields: Record<string, unknown> = { request_id: requestId, method: request.method, route };
    // The admin UI's live view shows the API's requests (OpenAI, Anthropic, Gemini), not /metrics scrapes.
    const recent = route !== "/metrics" ? feed.begin(requestId, request.method, route) : undefined;
    const u = opts.billable ? recorder.begin(now, started, requestId, opts.billable) : undefined;
    let response: Response;
    let rateHeaders: Record<string, string> | undefined;
    const own = ownHeaders(request, requestId);
    try {
      const key = authenticate(request.headers, config.gateway_keys, permission, now, opts.keyInQuery ? request.url : undefined);
      logFields.key_id = key.id;
      rateHeaders = await enforceRateLimit(key, deps.state, now);
      if (u) {
        u.row.keyId = key.id;
        const tokenLimit = enforceUsageLimits(key, { spendOf: spendOfKey, state: deps.state }, now);
        if (tokenLimit) {
          const tokenHeaders = await tokenLimit;
          u.countTokens = true;
          rateHeaders = rateHeaders ? { ...rateHeaders, ...tokenHeaders } : tokenHeaders;
        }
      }
      // The upstream's rate-limit headers of the same names go over the gateway's (handlers add theirs after these).
      response = await handler({ key, requestId, logFields, usage: u, headers: rateHeaders ? { ...rateHeaders, ...own } : own });
    } catch (e) {
      const err = toGatewayError(e);
      if (u) u.row.errorType = err.code;
      if (err.status >= 500) logFields.error = err.message;
      if (recent) recent.errorType = err.code;
      if (err.code === "internal") deps.log.log("error", "unhandled error", { request_id: requestId, error: String((e as Error)?.stack ?? e) });
      // An upstream error may carry the upstream's own x-request-id: ours wins (the upstream's travels as
      // x-upstream-request-id).
      response = errorResponse(err, errorDialect, own, rateHeaders);
    }
    logFields.status = response.status;
    const latency = performance.now() - started;
    logFields.latency_ms = Math.round(latency * 100) / 100;
    deps.log.log("info", "request", logFields);
    // The model is a label only once an account served it: unknown names from clients stay out of the series.
    const served = logFields.account !== undefined;
    if (recent) {
      feed.end(recent, { status: response.status, latencyMs: latency, model: logFields.model as string | undefined, keyId: logFields.key_id as string | undefined, accountId: logFields.account as string | undefined });
    }
    usage.request(
      { keyId: logFields.key_id as string | undefined, accountId: logFields.account as string | undefined, model: served ? (logFields.model as string) : undefined },
      response.status,
      latency,
    );
    if (u) recorder.responded(u, response.status);
    return response;
  }

  /**
   * What a handler knows once it has read the body: the client's dialect, the model asked and the stream flag go
   * into the usage row (so a refused request is recorded with them), and the model must be on the key's list.
   */
  const admit = (key: GatewayKey, u: RequestUsage | undefined, clientDialect: DialectName, model: unknown, stream: boolean) => {
    if (u) {
      u.row.clientDialect = clientDialect;
      if (typeof model === "string") u.row.modelRequested = model;
      u.row.stream = stream;
    }
    if (key.allowed_models && typeof model === "string") enforceAllowedModel(key, model);
  };

  const llm = (route: string, dialect: DialectName | "sniff") => {
    const errorDialect = errorDialectForPath(route);
    const billable = dialect === "sniff" ? "openai-completions" : dialect;
    return ({ request }: { request: Request }) =>
      guarded(
        request,
        route,
        "write",
        errorDialect,
        async ({ key, logFields, headers, usage: u }) => {
          const body = await readJsonBody(request, deps.config().server.body_limit);
          const clientDialect = dialect === "sniff" ? sniffCompletionsDialect(body.json) : dialect;
          admit(key, u, clientDialect, body.json.model, body.json.stream === true);
          return proxyLlmRequest(deps.proxy, { request, clientDialect, body, logFields, headers, usage: u });
        },
        { billable },
      );
  };

  /**
   * Gemini's `POST /v1beta/models/{model}:{method}` (and `/v1/…`): the model and streaming come from the URL, a
   * stream is SSE with `alt=sse` and a JSON array without; errors in Google's shape; the key may be in `?key=`
   * (the route label, not the URL, goes to the log).
   */
  const geminiCall = (version: "v1beta" | "v1") => ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    const call = parseGeminiCall(url.pathname);
    const method = call && isGeminiMethod(call.method) ? call.method : undefined;
    const route = `/${version}/models/{model}:${method ?? "*"}`;
    // Generating is billable (a usage row, budgets); counting is not (as /v1/messages/count_tokens).
    const billable = method && method !== "countTokens" ? "gemini" : undefined;
    return guarded(request, route, method === "countTokens" ? "read" : "write", "gemini", async ({ key, logFields, headers, usage: u }) => {
      if (!call || !method) throw new GatewayError(404, "not_found", `no Gemini method at ${url.pathname.slice(0, 200)}; expected {model}:generateContent, :streamGenerateContent or :countTokens`);
      const body = await readJsonBody(request, deps.config().server.body_limit);
      const stream = method === "streamGenerateContent";
      admit(key, u, "gemini", call.model, stream);
      const input = { request, clientDialect: "gemini" as const, body, logFields, headers, model: call.model };
      if (method === "countTokens") return countTokens(deps.proxy, input);
      return proxyLlmRequest(deps.proxy, { ...input, stream, usage: u, streamFraming: stream && url.searchParams.get("alt") !== "sse" ? "json-array" : "sse" });
    }, { keyInQuery: true, billable });
  };
  /** Gemini's `GET …/models` and `…/models/{model}`, in Google's shapes. */
  const geminiModels = (version: "v1beta" | "v1") => ({ request }: { request: Request }) => {
    const pathname = new URL(request.url).pathname;
    const named = pathname.replace(/\/$/, "").endsWith("/models") ? undefined : (modelSegment(pathname) ?? "");
    return guarded(request, named === undefined ? `/${version}/models` : `/${version}/models/{model}`, "read", "gemini", ({ headers }) => {
      const config = deps.config();
      if (named === undefined) return Response.json(geminiModelList(listServedModels(config)), { headers });
      if (named.includes(":")) throw new GatewayError(405, "invalid_request", `GET is not allowed on ${pathname.slice(0, 200)}; use POST`, { headers: { allow: "POST, OPTIONS" } });
      const id = named.replace(/^models\//, "");
      const found = id ? findServedModel(config, id) : undefined;
      if (!found) throw new GatewayError(404, "not_found", `model ${id.slice(0, 200)} is not served by this gateway`);
      return Response.json(geminiModel(found), { headers });
    }, { keyInQuery: true });
  };

  /**
   * `GET /v1/models/{id}`, a path OpenAI's, Anthropic's and Gemini's APIs share: Google's shape for a Gemini client
   * (its key in x-goog-api-key or ?key=), Anthropic's when `anthropic-version` is sent, OpenAI's otherwise.
   */
  const modelById = ({ request }: { request: Request }) => {
    const pathname = new URL(request.url).pathname;
    if (fromGeminiClient(request) || pathname.includes(":")) return geminiModels("v1")({ request });
    const anthropic = request.headers.has("anthropic-version");
    return guarded(request, "/v1/models/{model}", "read", anthropic ? "anthropic-messages" : "openai-chat", ({ headers }) => {
      const id = modelSegment(pathname) ?? "";
      const found = id ? findServedModel(deps.config(), id) : undefined;
      if (!found) throw new GatewayError(404, "not_found", `model ${id.slice(0, 200)} is not served by this gateway`);
      return Response.json(anthropic ? anthropicModel(found) : openaiModel(found), { headers });
    });
  };

  /**
   * /health: status and account counts for anyone (load balancers, uptime checks); the version, uptime and each
   * account's state (ids, reasons, failure details) only for a gateway key with read or admin permission, or the
   * CLI's operator token. A key that is presented must be valid: a wrong one is a 401, not a shorter answer.
   */
  const healthDetailsAllowed = (request: Request): boolean => {
    const presented = presentedKey(request.headers);
    if (!presented) return false;
    if (presented.startsWith(OPERATOR_TOKEN_PREFIX)) {
      const expected = deps.operatorToken?.();
      if (expected && hashesEqual(hashKey(presented), hashKey(expected))) return true;
      throw new GatewayError(401, "authentication", "invalid operator token (it comes from another master key)");
    }
    authenticate(request.headers, deps.config().gateway_keys, "read", deps.clock());
    return true;
  };

  /** Methods each known path answers, for 405's Allow (read from the routes once the app is built). */
  let allowed: Map<string, string> | undefined;
  const allowFor = (path: string): string | undefined => {
    if (!allowed) {
      const methods = new Map<string, Set<string>>();
      for (const r of app.routes) {
        const set = methods.get(r.path) ?? new Set<string>();
        set.add(r.method);
        if (r.method === "GET") set.add("HEAD");
        methods.set(r.path, set);
      }
      allowed = new Map([...methods].map(([p, m]) => [p, [...m, "OPTIONS"].join(", ")]));
    }
    return allowed.get(path);
  };

  // standardHostname off: Elysia otherwise takes the path to start at the first "/" from the 11th character of the
  // URL, which cuts the path of a request whose Host is short (`Host: gw` from a reverse proxy: `/v1/models` became
  // `/models`). Off, it looks from the 7th, just past "http://": the gateway serves plain HTTP (TLS ends in front
  // of it), so that is always where the host starts. Same cost: one indexOf either way.
  const app = new Elysia({ handler: { standardHostname: false } })
    .onRequest(({ request }) => {
      // CORS preflight is answered before routing: browsers send it without credentials.
      if (request.method !== "OPTIONS") return;
      return new Response(null, { status: 204, headers: ownHeaders(request) });
    })
    .onError(({ code, request, error }) => {
      const path = new URL(request.url).pathname;
      let err: GatewayError;
      if (code === "NOT_FOUND") {
        const allow = allowFor(path);
        err = allow
          ? new GatewayError(405, "invalid_request", `${request.method} is not allowed on ${path}; use ${allow.split(", ")[0]}`, { headers: { allow } })
          : new GatewayError(404, "not_found", `no route for ${request.method} ${path}`);
      } else err = toGatewayError(error);
      const requestId = requestIdOf(request.headers);
      // The path is the client's: cut, so a long one cannot bloat the log.
      deps.log.log("info", "request", { request_id: requestId, method: request.method, route: "-", path: path.slice(0, 200), status: err.status });
      return errorResponse(err, errorDialectForPath(path), ownHeaders(request, requestId));
    })
    .use(docsRoutes({ version: deps.version, headers: (request) => ownHeaders(request) }))
    // The web admin UI and the JSON admin API under /admin/api (src/server/admin/).
    .use(adminUiRoutes({ enabled: () => deps.config().server.admin_ui, ownHeaders }))
    .use(
      adminApi({
        ...deps.admin,
        config: deps.config,
        log: deps.log,
        clock: deps.clock,
        version: deps.version,
        startedAt: deps.startedAt,
        state: deps.state,
        ownHeaders,
        accountHealth: deps.accountHealth,
        usage,
        feed,
        queryUsage: deps.queryUsage,
      }),
    )
    .get(
      "/health",
      ({ request }) => {
        const headers = ownHeaders(request);
        try {
          const details = healthDetailsAllowed(request);
          const uptimeS = Math.round((deps.clock() - deps.startedAt) / 1000);
          const doc = healthDocument(
            deps.accountHealth(),
            details ? { version: deps.version, uptimeS, worker: deps.workerIndex } : undefined,
            ledgerSummary(deps.ledgerHealth?.()),
            stateSummary(deps.sharedState?.()),
          );
          return Response.json(doc, { status: doc.status === "unhealthy" ? 503 : 200, headers });
        } catch (e) {
          return errorResponse(toGatewayError(e), "openai-chat", headers);
        }
      },
      { detail: openapiDetails.health },
    )
    .post("/v1/chat/completions", llm("/v1/chat/completions", "openai-chat"), { parse: "none", detail: openapiDetails.chatCompletions })
    .post("/v1/completions", llm("/v1/completions", "sniff"), { parse: "none", detail: openapiDetails.completions })
    .post("/v1/messages", llm("/v1/messages", "anthropic-messages"), { parse: "none", detail: openapiDetails.messages })
    // OpenAI Responses: the conversation the gateway kept for the key is put back in before routing
    // (src/gateway/responses-conversation.ts); GET/DELETE by id see only what the key itself created.
    .post(
      "/v1/responses",
      ({ request }) =>
        guarded(
          request,
          "/v1/responses",
          "write",
          "openai-responses",
          async ({ key, logFields, headers, usage: u }) => {
            const session = { store: responseStore, owner: key.id, clock: deps.clock };
            const body = await resolveKeptConversation(session, await readJsonBody(request, deps.config().server.body_limit));
            admit(key, u, "openai-responses", body.json.model, body.json.stream === true);
            return proxyLlmRequest(deps.proxy, { request, clientDialect: "openai-responses", body, logFields, headers, responses: session, usage: u });
          },
          { billable: "openai-responses" },
        ),
      { parse: "none", detail: openapiDetails.responses },
    )
    // Codex first asks for a WebSocket here; a 426 sends it to POST at once (an error status costs it retries).
    .get(
      "/v1/responses",
      ({ request }) => {
        const requestId = requestIdOf(request.headers);
        deps.log.log("info", "request", { request_id: requestId, method: "GET", route: "/v1/responses", status: 426 });
        const err = new GatewayError(426, "invalid_request", "WebSocket connections are not served here: use POST /v1/responses");
        return errorResponse(err, "openai-responses", ownHeaders(request, requestId));
      },
      { detail: openapiDetails.responsesUpgrade },
    )
    .get(
      "/v1/responses/:id",
      ({ request, params }) =>
        guarded(request, "/v1/responses/:id", "write", "openai-responses", async ({ key, headers }) => {
          const kept = await responseStore.get(key.id, params.id);
          if (!kept) throw responseNotFound(params.id);
          return new Response(kept.response, { headers: { ...headers, "content-type": "application/json" } });
        }),
      { detail: openapiDetails.responseGet },
    )
    .delete(
      "/v1/responses/:id",
      ({ request, params }) =>
        guarded(request, "/v1/responses/:id", "write", "openai-responses", async ({ key, headers }) => {
          if (!(await responseStore.delete(key.id, params.id))) throw responseNotFound(params.id);
          return Response.json({ id: params.id, object: "response", deleted: true }, { headers });
        }),
      { detail: openapiDetails.responseDelete },
    )
    .post(
      "/v1/messages/count_tokens",
      ({ request }) =>
        guarded(request, "/v1/messages/count_tokens", "read", "anthropic-messages", async ({ key, logFields, headers }) => {
          const body = await readJsonBody(request, deps.config().server.body_limit);
          // Not billable (no row, no budget or token limit), but a model the key may not use is not counted either.
          if (key.allowed_models && typeof body.json.model === "string") enforceAllowedModel(key, body.json.model);
          return countTokens(deps.proxy, { request, clientDialect: "anthropic-messages", body, logFields, headers });
        }),
      { parse: "none", detail: openapiDetails.countTokens },
    )
    .get(
      "/metrics",
      ({ request }) =>
        guarded(request, "/metrics", "admin", "openai-chat", ({ headers }) => {
          const text = renderPrometheus(usage, deps.accountGauges?.() ?? [], Math.round((deps.clock() - deps.startedAt) / 1000));
          return new Response(text, { headers: { ...headers, "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
        }),
      { detail: openapiDetails.metrics },
    )
    .get(
      "/v1/models",
      ({ request }) => {
        if (fromGeminiClient(request)) return geminiModels("v1")({ request });
        const anthropic = request.headers.has("anthropic-version");
        return guarded(request, "/v1/models", "read", anthropic ? "anthropic-messages" : "openai-chat", ({ headers }) => {
          const models = listServedModels(deps.config());
          return Response.json(anthropic ? anthropicModelList(models) : openaiModelList(models), { headers });
        });
      },
      { detail: openapiDetails.models },
    )
    // Gemini's API (src/server/gemini-path.ts): `{model}:{method}` is one path segment, so the routes are wildcards.
    // The OpenAPI document describes the wildcard routes path by path (openapi-details.ts, geminiPaths).
    .post("/v1beta/models/*", geminiCall("v1beta"), { parse: "none", detail: { hide: true } })
    .post("/v1/models/*", geminiCall("v1"), { parse: "none", detail: { hide: true } })
    .get("/v1beta/models", geminiModels("v1beta"), { detail: openapiDetails.geminiModels })
    .get("/v1beta/models/*", geminiModels("v1beta"), { detail: { hide: true } })
    .get("/v1/models/*", modelById, { detail: { hide: true } });
  return app;
}

export type App = ReturnType<typeof createApp>;

const responseNotFound = (id: string) =>
  new GatewayError(404, "not_found", `Response with id '${id.slice(0, 200)}' not found (the gateway keeps the responses it answered for this key for a limited time)`, { param: "response_id" });

/** The shared state's health as /health shows it. */
function stateSummary(s: SharedStatus | undefined): StateStoreHealthSummary | undefined {
  if (!s) return undefined;
  return { backend: s.backend, state: s.state, ...(s.reason && { reason: s.reason }), ...(s.since && { since: new Date(s.since).toISOString() }) };
}

/** The ledger's health as /health shows it (times as ISO text). */
function ledgerSummary(h: LedgerHealth | undefined): LedgerHealthSummary | undefined {
  if (!h) return undefined;
  const out: LedgerHealthSummary = { state: h.state, buffered: h.buffered, dropped: h.dropped, written: h.written };
  if (h.reason !== undefined) out.reason = h.reason;
  if (h.since !== undefined) out.since = new Date(h.since).toISOString();
  return out;
}
