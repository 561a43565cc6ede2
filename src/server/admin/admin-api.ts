import { Type as T, type Static, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import { EditError } from "../../config/edits/edit-error.ts";
import { resetEnvironment, setEnvironment } from "../../config/edits/environment.ts";
import { createGatewayKey, removeGatewayKey, updateGatewayKey } from "../../config/edits/gateway-keys.ts";
import { addRoute, removeRoute, updateRoute } from "../../config/edits/model-routes.ts";
import { addApiKeyAccount, addOAuthAccount, removeAccount, updateAccount } from "../../config/edits/upstream-accounts.ts";
import { findIndex } from "../../config/edits/find-item.ts";
import type { Config, EnvName } from "../../config/schema.ts";
import type { ConfigStore } from "../../config/store.ts";
import { ConfigError, GatewayError } from "../../errors.ts";
import { readJsonBody } from "../../gateway/read-json-body.ts";
import type { Sleep } from "../../oauth/types.ts";
import type { StateStore } from "../../state/types.ts";
import type { FetchFn } from "../../transport/upstream-fetch.ts";
import type { RequestFeed } from "../../usage/request-feed.ts";
import { UsageDocument } from "../../usage/usage-document.ts";
import type { UsageMeter } from "../../usage/usage-meter.ts";
import { adminUsage, type QueryUsage } from "../admin-usage.ts";
import { errorResponse, toGatewayError } from "../error-response.ts";
import { healthDocument, HealthDocument, type AccountHealthSummary } from "../health-document.ts";
import type { Logger } from "../logger.ts";
import { openapiDetails } from "../openapi-details.ts";
import { enforceRateLimit } from "../rate-limit.ts";
import { requestIdOf } from "../request-id.ts";
import { clearedSessionCookie, createAdminAuth, sessionCookieHeader, type AdminCaller } from "./admin-auth.ts";
import * as S from "./admin-schemas.ts";
import { createAdminSessions, SESSION_LIFETIME_MS, type AdminSessions } from "./admin-sessions.ts";
import { adminAccount, adminEnvironment, adminKey, adminRecentRequests } from "./admin-views.ts";
import { clientAddress } from "./client-address.ts";
import { createLoginLimiter, type LoginLimiter } from "./login-limiter.ts";
import { createBrowserLogins, type BrowserLogins } from "./oauth-logins.ts";
import { ADMIN_SECURITY_HEADERS } from "./security-headers.ts";

export interface AdminDeps {
  /** The configuration in force (authentication, names). */
  config(): Config;
  /**
   * The configuration file: every change goes through it (src/config/edits/, as the CLI's do), and the lists are
   * read from it, so what the CLI changed shows at once. Absent (tests of other routes): those routes answer 503.
   */
  store?: ConfigStore;
  /** Applies the file to the running server at once after a change (instead of at the next poll). */
  reload?(): void;
  log: Logger;
  clock: () => number;
  version: string;
  startedAt: number;
  state: StateStore;
  ownHeaders(request: Request, requestId: string): Record<string, string>;
  accountHealth(): AccountHealthSummary[];
  usage: UsageMeter;
  feed: RequestFeed;
  queryUsage?: QueryUsage;
  /** The address the connection came from (Bun's requestIP); undefined in process. */
  peerAddress?(request: Request): string | undefined;
  /** Outbound fetch for the OAuth logins (the network fetch, through the configured proxy). */
  oauthFetch?: FetchFn;
  oauthSleep?: Sleep;
  sessions?: AdminSessions;
  loginLimiter?: LoginLimiter;
}

/** Bodies are small JSON documents: a config change, never a prompt. */
const BODY_LIMIT = 64 * 1024;
const security = [{ bearer: [] }, { apiKey: [] }, { adminSession: [] }];
const OpenAIError = T.Object({
  error: T.Object({ message: T.String(), type: T.String(), param: T.Union([T.String(), T.Null()]), code: T.Union([T.String(), T.Null()]) }),
});
const json = (schema: TSchema) => ({ "application/json": { schema } });

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
interface Ctx<B> {
  request: Request;
  params: Record<string, string>;
  caller: AdminCaller;
  body: B;
  /** Extra answer headers (Set-Cookie). */
  headers: Record<string, string>;
}
interface RouteDef {
  method: Method;
  path: string;
  summary: string;
  body?: TSchema;
  answer: TSchema;
  status?: number;
  /** Signing in: no caller yet. */
  open?: boolean;
  /** Query parameters, for the OpenAPI document. */
  parameters?: Record<string, unknown>[];
  errors?: Record<string, string>;
  handle(ctx: Ctx<any>): unknown;
}

/**
 * The JSON admin API under `/admin/api` (the admin UI's, and usable by scripts): gateway keys, upstream accounts with
 * OAuth logins, model routes, the environment, health, recent requests, a metrics summary and the usage report.
 * Callers: an admin key as a bearer, or the UI's session cookie with its CSRF token on changes
 * (src/server/admin/admin-auth.ts). Every change goes through src/config/edits/ into the config file, like the
 * CLI's; no answer carries a secret. Errors are OpenAI's shape with `param` naming the field. Every answer has the
 * admin security headers and `cache-control: no-store`, and makes one access-log line.
 */
export function adminApi(deps: AdminDeps) {
  const sessions = deps.sessions ?? createAdminSessions({ clock: deps.clock });
  const limiter = deps.loginLimiter ?? createLoginLimiter({ clock: deps.clock });
  const sessionsEnabled = () => deps.config().server.admin_ui;
  const auth = createAdminAuth({ config: deps.config, clock: deps.clock, sessions, sessionsEnabled });
  let logins: BrowserLogins | undefined;

  const store = (): ConfigStore => {
    if (!deps.store) throw new GatewayError(503, "unavailable", "this gateway was started without its configuration file; config changes are not available");
    return deps.store;
  };
  const changed = () => deps.reload?.();
  const browserLogins = () =>
    (logins ??= createBrowserLogins({
      store: store(),
      fetch: deps.oauthFetch ?? ((() => Promise.reject(new GatewayError(503, "unavailable", "no outbound network in this gateway"))) as FetchFn),
      clock: deps.clock,
      sleep: deps.oauthSleep,
      changed,
    }));
  const healthById = () => new Map(deps.accountHealth().map((h) => [h.id, h]));
  const fileConfig = () => store().read();
  const accountView = (id: string) => {
    const s = store();
    const config = s.read();
    const account = config.upstream_accounts[findIndex(config.upstream_accounts, id, "upstream account")]!;
    return adminAccount(account, () => s.cipher, healthById(), deps.clock());
  };
  const secureCookie = (request: Request) => clientAddress(request, deps.peerAddress?.(request), deps.config().server.trusted_proxies).tls;

  const routes: RouteDef[] = [
    // Sessions
    {
      method: "POST",
      path: "/admin/api/session",
      summary: "Sign in with a gateway key that has the admin permission: sets the session cookie (HttpOnly, SameSite=Strict; Secure over TLS) and answers the CSRF token. Rate-limited per client address and in all",
      body: S.LoginBody,
      answer: S.SessionAnswer,
      open: true,
      errors: { "401": "Unknown, disabled or expired key", "403": "The key lacks the admin permission", "404": "The admin UI is off (server.admin_ui: false)", "429": "Too many sign-in attempts (Retry-After)" },
      async handle({ request, body, headers }: Ctx<S.LoginBody>) {
        if (!sessionsEnabled()) throw new GatewayError(404, "not_found", "the admin UI is off (server.admin_ui: false); scripts can use the admin API with an admin key as a bearer");
        const client = clientAddress(request, deps.peerAddress?.(request), deps.config().server.trusted_proxies);
        const wait = await limiter.attempt(client.ip);
        if (wait !== undefined) throw new GatewayError(429, "rate_limited", "too many sign-in attempts; wait and try again", { retryAfter: wait });
        const caller = await auth(new Request(request.url, { headers: { authorization: `Bearer ${body.key.trim()}` } }), false);
        const { id, session } = await sessions.create(caller.key.id);
        headers["set-cookie"] = sessionCookieHeader(id, Math.round(SESSION_LIFETIME_MS / 1000), client.tls);
        return { key: { id: caller.key.id, name: caller.key.name }, csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString() };
      },
    },
    {
      method: "GET",
      path: "/admin/api/session",
      summary: "Who is signed in (with the session's CSRF token), or the bearer key's id and name",
      answer: S.SessionAnswer,
      handle: ({ caller }) => ({
        key: { id: caller.key.id, name: caller.key.name },
        ...(caller.session && { csrf_token: caller.session.csrfToken, expires_at: new Date(caller.session.expiresAt).toISOString() }),
      }),
    },
    {
      method: "DELETE",
      path: "/admin/api/session",
      summary: "Sign out: the session ends and its cookie is cleared",
      answer: T.Object({ signed_out: T.Boolean() }),
      async handle({ request, caller, headers }) {
        if (caller.sessionId) await sessions.delete(caller.sessionId);
        headers["set-cookie"] = clearedSessionCookie(secureCookie(request));
        return { signed_out: caller.via === "session" };
      },
    },
    // Gateway keys
    {
      method: "GET",
      path: "/admin/api/keys",
      summary: "Gateway keys (prefix only, never the key or its hash) with their limits",
      answer: T.Array(S.AdminKey),
      handle: () => fileConfig().gateway_keys.map((k) => adminKey(k, deps.clock())),
    },
    {
      method: "POST",
      path: "/admin/api/keys",
      summary: "Create a gateway key: the key is in this answer only (only its SHA-256 is stored)",
      body: S.KeyCreateBody,
      answer: S.KeyCreated,
      status: 201,
      errors: { "409": "Another key has the name" },
      handle({ body }: Ctx<S.KeyCreateBody>) {
        const { key, raw } = createGatewayKey(store(), body, { now: deps.clock() });
        changed();
        return { key: adminKey(key, deps.clock()), secret: raw };
      },
    },
    {
      method: "PATCH",
      path: "/admin/api/keys/:id",
      summary: "Change a key: name, permissions, status (disable/enable), expiry, limits (null removes a limit)",
      body: S.KeyUpdateBody,
      answer: S.AdminKey,
      errors: { "404": "No such key", "409": "Another key has the name" },
      handle({ params, body }: Ctx<S.KeyUpdateBody>) {
        const key = updateGatewayKey(store(), params.id!, body);
        changed();
        return adminKey(key, deps.clock());
      },
    },
    {
      method: "DELETE",
      path: "/admin/api/keys/:id",
      summary: "Delete a key; clients using it are refused at once",
      answer: S.Deleted,
      errors: { "404": "No such key" },
      handle({ params }) {
        const key = removeGatewayKey(store(), params.id!);
        changed();
        return { id: key.id, deleted: true };
      },
    },
    // Upstream accounts
    {
      method: "GET",
      path: "/admin/api/accounts",
      summary: "Upstream accounts with their health (state, reason, detail) and OAuth state; API keys masked",
      answer: T.Array(S.AdminAccount),
      handle() {
        const s = store();
        const health = healthById();
        return s.read().upstream_accounts.map((a) => adminAccount(a, () => s.cipher, health, deps.clock()));
      },
    },
    {
      method: "POST",
      path: "/admin/api/accounts",
      summary: "Add an upstream account with an API key (stored encrypted, shown masked)",
      body: S.AccountCreateBody,
      answer: S.AdminAccount,
      status: 201,
      errors: { "409": "Another account has the name" },
      handle({ body }: Ctx<S.AccountCreateBody>) {
        const account = addApiKeyAccount(store(), body, { now: deps.clock() });
        changed();
        return accountView(account.id);
      },
    },
    {
      method: "PATCH",
      path: "/admin/api/accounts/:id",
      summary: "Change an account: name, status (disable/enable), models, weight, priority, spend caps (null removes)",
      body: S.AccountUpdateBody,
      answer: S.AdminAccount,
      errors: { "404": "No such account", "409": "Another account has the name" },
      handle({ params, body }: Ctx<S.AccountUpdateBody>) {
        const account = updateAccount(store(), params.id!, body);
        changed();
        return accountView(account.id);
      },
    },
    {
      method: "DELETE",
      path: "/admin/api/accounts/:id",
      summary: "Delete an upstream account",
      answer: S.Deleted,
      errors: { "404": "No such account" },
      handle({ params }) {
        const account = removeAccount(store(), params.id!);
        changed();
        return { id: account.id, deleted: true };
      },
    },
    // OAuth logins from the browser
    {
      method: "POST",
      path: "/admin/api/oauth/logins",
      summary: "Start an OAuth login: a new account (name, provider) or an existing one (account_id). Anthropic: the authorize URL (paste the CODE#STATE it shows to …/code); device login: the user code and URL (poll the login)",
      body: S.OAuthStartBody,
      answer: S.OAuthLogin,
      status: 201,
      errors: { "404": "No such account", "409": "Another account has the name", "502": "The OAuth server failed" },
      async handle({ body }: Ctx<S.OAuthStartBody>) {
        const s = store();
        if (body.account_id !== undefined) {
          const config = s.read();
          const account = config.upstream_accounts[findIndex(config.upstream_accounts, body.account_id, "upstream account")]!;
          if (account.type !== "oauth") throw new GatewayError(400, "invalid_request", `upstream account ${account.id} uses an API key, not OAuth`, { param: "account_id" });
          return browserLogins().start(account, false);
        }
        if (body.name === undefined) throw new GatewayError(400, "invalid_request", "name is required to add an account (or give account_id to log one in again)", { param: "name" });
        if (body.provider === undefined) throw new GatewayError(400, "invalid_request", "provider is required to add an account", { param: "provider" });
        const account = addOAuthAccount(s, { name: body.name, provider: body.provider, models: body.models, weight: body.weight, priority: body.priority, oauth: body.oauth }, { now: deps.clock() });
        changed();
        try {
          return await browserLogins().start(account, true);
        } catch (e) {
          removeAccount(s, account.id);
          changed();
          throw e;
        }
      },
    },
    {
      method: "GET",
      path: "/admin/api/oauth/logins/:id",
      summary: "A login's status: waiting, logged_in or failed (with the reason)",
      answer: S.OAuthLogin,
      errors: { "404": "No such login (they last 15 minutes)" },
      handle: ({ params }) => browserLogins().get(params.id!),
    },
    {
      method: "POST",
      path: "/admin/api/oauth/logins/:id/code",
      summary: "Finish a code-paste login with the CODE#STATE the authorize page showed (state checked, code exchanged, tokens stored encrypted)",
      body: S.OAuthFinishBody,
      answer: S.OAuthLogin,
      errors: { "400": "A wrong or foreign code (the login is over: start a new one)", "404": "No such login" },
      handle: ({ params, body }: Ctx<S.OAuthFinishBody>) => browserLogins().finish(params.id!, body.code),
    },
    // Model routes
    {
      method: "GET",
      path: "/admin/api/routes",
      summary: "Model routes",
      answer: T.Array(S.AdminRoute),
      handle: () => fileConfig().model_routes,
    },
    {
      method: "POST",
      path: "/admin/api/routes",
      summary: "Add a model route (source: exact, prefix* or *; lower priority wins)",
      body: S.RouteCreateBody,
      answer: S.AdminRoute,
      status: 201,
      handle({ body }: Ctx<S.RouteCreateBody>) {
        const route = addRoute(store(), body);
        changed();
        return route;
      },
    },
    {
      method: "PATCH",
      path: "/admin/api/routes/:id",
      summary: "Change a route: its order (priority), enabled, source, target, provider, strategy (null: any / the global one)",
      body: S.RouteUpdateBody,
      answer: S.AdminRoute,
      errors: { "404": "No such route" },
      handle({ params, body }: Ctx<S.RouteUpdateBody>) {
        const route = updateRoute(store(), params.id!, body);
        changed();
        return route;
      },
    },
    {
      method: "DELETE",
      path: "/admin/api/routes/:id",
      summary: "Delete a model route",
      answer: S.Deleted,
      errors: { "404": "No such route" },
      handle({ params }) {
        const route = removeRoute(store(), params.id!);
        changed();
        return { id: route.id, deleted: true };
      },
    },
    // Environment
    {
      method: "GET",
      path: "/admin/api/environment",
      summary: "Outbound proxy settings (passwords masked)",
      answer: S.AdminEnvironment,
      handle() {
        const s = store();
        return adminEnvironment(s.read().environment, () => s.cipher);
      },
    },
    {
      method: "PATCH",
      path: "/admin/api/environment",
      summary: "Change outbound proxy settings: the fields given (an empty proxy clears it; null resets to the default). A URL with a password is stored encrypted; a masked value (****) is refused",
      body: S.EnvironmentBody,
      answer: S.AdminEnvironment,
      handle({ body }: Ctx<S.EnvironmentBody>) {
        const s = store();
        const set: Partial<Record<EnvName, string>> = {};
        const reset: EnvName[] = [];
        for (const name of ["http_proxy", "https_proxy", "no_proxy"] as const) {
          const v = body[name];
          if (v === null) reset.push(name);
          else if (v !== undefined) set[name] = v;
        }
        if (Object.keys(set).length) setEnvironment(s, set);
        for (const name of reset) resetEnvironment(s, name);
        if (Object.keys(set).length === 0 && reset.length === 0) throw new GatewayError(400, "invalid_request", "nothing to change: give http_proxy, https_proxy or no_proxy", { param: "http_proxy" });
        changed();
        return adminEnvironment(s.read().environment, () => s.cipher);
      },
    },
    // What the gateway is doing
    {
      method: "GET",
      path: "/admin/api/health",
      summary: "The /health document with every enabled account's state",
      answer: HealthDocument,
      handle: () => healthDocument(deps.accountHealth(), { version: deps.version, uptimeS: Math.round((deps.clock() - deps.startedAt) / 1000) }),
    },
    {
      method: "GET",
      path: "/admin/api/requests",
      summary: "The latest requests, newest first: status, model, key and account (ids and names), latency, tokens. No bodies, no headers, no key material",
      parameters: [{ name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 100 }, description: "How many" }],
      answer: S.RecentRequests,
      handle({ request }) {
        const raw = new URL(request.url).searchParams.get("limit");
        const limit = raw === null ? 100 : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new GatewayError(400, "invalid_request", `limit must be a whole number from 1 to 500, got "${raw}"`, { param: "limit" });
        return { requests: adminRecentRequests(deps.feed.recent(limit), deps.config()) };
      },
    },
    {
      method: "GET",
      path: "/admin/api/metrics",
      summary: "Live counters since the start, and per minute for the last hour: requests, errors, latency, tokens",
      answer: S.MetricsSummary,
      handle(): S.MetricsSummary {
        const totals = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0 };
        for (const { totals: t } of deps.usage.snapshot()) {
          totals.requests += t.requests;
          totals.errors += t.errors;
          totals.input_tokens += t.inputTokens;
          totals.output_tokens += t.outputTokens;
        }
        const health = deps.accountHealth();
        return {
          version: deps.version,
          uptime_s: Math.round((deps.clock() - deps.startedAt) / 1000),
          totals,
          minutes: deps.feed.minutes(60),
          accounts: { healthy: health.filter((h) => h.state === "healthy").length, total: health.length },
        };
      },
    },
    {
      method: "GET",
      path: "/admin/api/usage",
      summary: openapiDetails.adminUsage.summary as string,
      parameters: openapiDetails.adminUsage.parameters as Record<string, unknown>[],
      answer: UsageDocument,
      errors: { "400": "A bad or unknown query parameter (`param` names it)", "503": "The usage ledger cannot be read" },
      handle: ({ request }) => adminUsage(new URL(request.url).searchParams, deps.config(), deps.clock(), deps.queryUsage),
    },
  ];

  async function run(def: RouteDef, request: Request, params: Record<string, string>): Promise<Response> {
    const started = performance.now();
    const requestId = requestIdOf(request.headers);
    const headers: Record<string, string> = { ...ADMIN_SECURITY_HEADERS, "cache-control": "no-store", ...deps.ownHeaders(request, requestId) };
    const logFields: Record<string, unknown> = { request_id: requestId, method: request.method, route: def.path };
    let response: Response;
    try {
      let caller: AdminCaller | undefined;
      if (!def.open) {
        caller = await auth(request, def.method !== "GET");
        logFields.key_id = caller.key.id;
        if (caller.via === "bearer") {
          const rate = await enforceRateLimit(caller.key, deps.state, deps.clock());
          if (rate) Object.assign(headers, rate);
        }
      }
      const body = def.body ? checkBody(def.body, (await readJsonBody(request, BODY_LIMIT)).json) : undefined;
      const answer = await def.handle({ request, params, caller: caller!, body, headers });
      response = new Response(JSON.stringify(answer), { status: def.status ?? 200, headers: { ...headers, "content-type": "application/json" } });
    } catch (e) {
      const err = adminError(e);
      if (err.code === "internal") deps.log.log("error", "unhandled error", { request_id: requestId, error: String((e as Error)?.stack ?? e) });
      delete headers["set-cookie"];
      response = errorResponse(err, "openai-chat", headers);
    }
    logFields.status = response.status;
    logFields.latency_ms = Math.round((performance.now() - started) * 100) / 100;
    deps.log.log("info", "request", logFields);
    return response;
  }

  const app = new Elysia({ name: "llm-gateway-admin-api" });
  for (const def of routes) {
    app.route(def.method, def.path, ({ request, params }: { request: Request; params: Record<string, string> }) => run(def, request, params), {
      parse: "none",
      detail: detailOf(def),
    } as never);
  }
  return Object.assign(app, { close: () => logins?.close() });
}

/** A body that does not fit its schema: 400 naming the first field that does not. */
export function checkBody<S extends TSchema>(schema: S, json: unknown): Static<S> {
  if (Value.Check(schema, json)) return json as Static<S>;
  const first = Value.Errors(schema, json).First()!;
  const field = first.path.replace(/^\//, "").replace(/\//g, ".") || "body";
  const message = first.message === "Unexpected property" ? `unknown field "${field}"` : `${field}: ${first.message.toLowerCase()}`;
  throw new GatewayError(400, "invalid_request", message, { param: field });
}

/** A config edit that cannot be made, or a store that cannot be written, as an HTTP error. */
function adminError(e: unknown): GatewayError {
  if (e instanceof EditError) {
    const status = e.kind === "not_found" ? 404 : e.kind === "conflict" ? 409 : 400;
    return new GatewayError(status, status === 404 ? "not_found" : "invalid_request", e.message, { param: e.field });
  }
  // A wrong master key, a file that no longer validates, a lock not released: the operator's to fix, and said plainly.
  if (e instanceof ConfigError) return new GatewayError(500, "config", e.message.split("\n")[0]!);
  return toGatewayError(e);
}

function detailOf(def: RouteDef): Record<string, unknown> {
  const errors: Record<string, string> = {
    ...(def.body && { "400": "Invalid body (`param` names the field)" }),
    ...(!def.open && { "401": "Not signed in, or no valid key", "403": "The key lacks the admin permission, or a change made with the session cookie lacks its x-csrf-token" }),
    ...def.errors,
  };
  return {
    summary: def.summary,
    tags: ["admin"],
    security: def.open ? [] : security,
    ...(def.parameters && { parameters: def.parameters }),
    ...(def.body && { requestBody: { required: true, content: json(def.body) } }),
    responses: {
      [String(def.status ?? 200)]: { description: "OK", content: json(def.answer) },
      ...Object.fromEntries(Object.entries(errors).map(([code, description]) => [code, { description, content: json(OpenAIError) }])),
    },
  };
}
