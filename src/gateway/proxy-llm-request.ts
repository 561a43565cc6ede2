import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { CanonicalRequest } from "../canonical/types.ts";
import { dialects } from "../dialects/index.ts";
import type { DialectName } from "../dialects/types.ts";
import { GatewayError, invalidRequest } from "../errors.ts";
import { providers } from "../providers/registry.ts";
import { proxyForUrl } from "../transport/proxy-for-url.ts";
import { callUpstream, type FetchFn, type UpstreamExchange } from "../transport/upstream-fetch.ts";
import { readUntilFirstEvent } from "./first-event.ts";
import { forwardedResponseHeaders } from "./forward-headers.ts";
import type { JsonBody } from "./read-json-body.ts";
import { convertedStream, passthroughStream, type StreamEnd } from "./stream-bodies.ts";

/** What the pipeline needs from routing (src/routing implements it). */
export type UpstreamOutcome =
  | { kind: "success"; ttfbMs: number }
  | { kind: "http"; status: number; headers: Headers }
  | { kind: "network" }
  | { kind: "timeout" };

export interface RouterPort {
  plan(
    input: { accounts: UpstreamAccount[]; routes: Config["model_routes"] },
    model: string,
    opts: { sessionKey?: string },
  ): { targetModel: string; candidates: UpstreamAccount[] };
  report(accountId: string, outcome: UpstreamOutcome): void;
  begin(accountId: string): void;
  end(accountId: string): void;
}

export interface ProxyDeps {
  config(): Config;
  router: RouterPort;
  /** Network fetch for real upstreams. */
  fetch: FetchFn;
  /** In-process fetch answering for `mock` accounts. */
  mockFetch: FetchFn;
  /** The account's credential in plaintext (decrypted API key, or a fresh OAuth access token). */
  credential(account: UpstreamAccount): Promise<string | undefined> | string | undefined;
  /** Called once per request that reached an upstream, when its answer is complete. */
  onUpstreamDone?(info: { account: UpstreamAccount; status: number; end?: StreamEnd }): void;
  clock?: () => number;
}

export interface ProxyInput {
  request: Request;
  clientDialect: DialectName;
  body: JsonBody;
  /** Filled in for the access log. */
  logFields: Record<string, unknown>;
}

/** Upstream statuses that say nothing about the client's request: another account may succeed. */
const FAILOVER_STATUSES = new Set([401, 403, 408, 409, 425, 429, 500, 502, 503, 504, 529]);

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

/**
 * The request path from a decoded client body to the client's response: route → pick account → encode for its
 * dialect (or pass the bytes through) → call → convert or pipe back. Attempts that fail before anything reached
 * the client move on to the next candidate account.
 */
export async function proxyLlmRequest(deps: ProxyDeps, input: ProxyInput): Promise<Response> {
  const config = deps.config();
  const { clientDialect, body, request } = input;
  const clientModel = body.json.model;
  if (typeof clientModel !== "string" || !clientModel) throw invalidRequest("model: required, a non-empty string", "model");
  const stream = body.json.stream === true;
  const sessionKey = sessionKeyOf(body.json, request.headers);

  const plan = deps.router.plan({ accounts: config.upstream_accounts, routes: config.model_routes }, clientModel, { sessionKey });
  input.logFields.model = clientModel;

  let canonical: CanonicalRequest | undefined;
  let lastError: GatewayError | undefined;
  const candidates = plan.candidates.slice(0, config.proxy.max_attempts);
  const timeouts = {
    firstByte: config.proxy.first_byte_timeout * 1000,
    streamIdle: config.proxy.stream_idle_timeout * 1000,
    total: config.proxy.total_timeout * 1000,
  };

  for (const account of candidates) {
    const spec = providers[account.provider];
    const upstreamDialect = spec.dialectFor(clientDialect);
    let upstreamBody: string;
    if (upstreamDialect === clientDialect) {
      upstreamBody = plan.targetModel === clientModel ? body.text : JSON.stringify({ ...body.json, model: plan.targetModel });
    } else {
      canonical ??= dialects[clientDialect].decodeRequest(body.json);
      upstreamBody = JSON.stringify(
        dialects[upstreamDialect].encodeRequest(canonical, { model: plan.targetModel, defaultMaxTokens: config.proxy.default_max_tokens }),
      );
    }
    const credential = await deps.credential(account);
    const target = spec.target(account, { dialect: upstreamDialect, model: plan.targetModel, credential, clientHeaders: request.headers });
    input.logFields.account = account.id;

    deps.router.begin(account.id);
    let ended = false;
    const endOnce = (status: number, end?: StreamEnd) => {
      if (ended) return;
      ended = true;
      deps.router.end(account.id);
      deps.onUpstreamDone?.({ account, status, end });
    };

    let exchange: UpstreamExchange;
    try {
      exchange = await callUpstream(account.provider === "mock" ? deps.mockFetch : deps.fetch, {
        url: target.url,
        headers: target.headers,
        body: upstreamBody,
        clientSignal: request.signal,
        timeouts,
        proxy: proxyForUrl(new URL(target.url), config.environment),
      });
    } catch (e) {
      const err = e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream call failed", { cause: e });
      endOnce(err.status);
      if (err.status === 499) throw err;
      deps.router.report(account.id, err.code === "timeout" ? { kind: "timeout" } : { kind: "network" });
      lastError = err;
      continue;
    }

    const res = exchange.response;
    if (!res.ok) {
      const text = await readText(exchange).catch(() => "");
      const err = dialects[upstreamDialect].decodeError(res.status, text, res.headers);
      deps.router.report(account.id, { kind: "http", status: res.status, headers: res.headers });
      endOnce(res.status);
      lastError = err;
      if (FAILOVER_STATUSES.has(res.status)) continue;
      throw err;
    }

    const headers = new Headers();
    forwardedResponseHeaders(res.headers, headers);

    if (!stream) {
      let text: string;
      try {
        text = await readText(exchange);
      } catch (e) {
        const err = e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream body failed", { cause: e });
        deps.router.report(account.id, err.code === "timeout" ? { kind: "timeout" } : { kind: "network" });
        endOnce(502);
        lastError = err;
        continue;
      }
      deps.router.report(account.id, { kind: "success", ttfbMs: exchange.ttfbMs });
      endOnce(res.status);
      headers.set("content-type", "application/json");
      if (upstreamDialect === clientDialect && plan.targetModel === clientModel) return new Response(text, { status: res.status, headers });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new GatewayError(502, "upstream_error", "upstream answered with malformed JSON");
      }
      if (upstreamDialect === clientDialect) {
        (parsed as Record<string, unknown>).model = clientModel;
        return new Response(JSON.stringify(parsed), { status: res.status, headers });
      }
      const canonicalResponse = dialects[upstreamDialect].decodeResponse(parsed);
      const encoded = dialects[clientDialect].encodeResponse(canonicalResponse, { model: clientModel });
      return new Response(JSON.stringify(encoded), { status: res.status, headers });
    }

    if (!exchange.body) {
      endOnce(502);
      lastError = new GatewayError(502, "upstream_error", "upstream stream had no body", { retryable: true });
      continue;
    }
    let started;
    try {
      started = await readUntilFirstEvent(exchange.body);
    } catch (e) {
      const err = e instanceof GatewayError ? e : new GatewayError(502, "upstream_error", "upstream stream failed", { cause: e });
      exchange.abort(err);
      if (err.status === 499) {
        endOnce(499);
        throw err;
      }
      deps.router.report(account.id, err.code === "timeout" ? { kind: "timeout" } : { kind: "network" });
      endOnce(err.status);
      lastError = err;
      continue;
    }
    deps.router.report(account.id, { kind: "success", ttfbMs: exchange.ttfbMs });
    const clientSide = dialects[clientDialect];
    const common = {
      errorEvent: (err: GatewayError) => clientSide.encodeStreamError(err),
      onEnd: (end: StreamEnd) => {
        if (end.error && end.error.code === "timeout") deps.router.report(account.id, { kind: "timeout" });
        endOnce(res.status, end);
      },
    };
    const out =
      upstreamDialect === clientDialect
        ? passthroughStream(started, {
            ...common,
            dialect: clientDialect,
            rewriteModel: plan.targetModel === clientModel ? undefined : { upstream: plan.targetModel, client: clientModel },
          })
        : convertedStream(started, {
            ...common,
            decoder: dialects[upstreamDialect].streamDecoder(),
            encoder: clientSide.streamEncoder({ model: clientModel, includeUsage: includeUsage(body.json) }),
          });
    for (const [k, v] of Object.entries(SSE_HEADERS)) headers.set(k, v);
    return new Response(out, { status: 200, headers });
  }

  throw lastError ?? new GatewayError(503, "unavailable", `no upstream account could serve model ${clientModel}`);
}

/** The body goes through the exchange's stream, which enforces the idle and total deadlines. */
const readText = (exchange: UpstreamExchange) => (exchange.body ? new Response(exchange.body).text() : Promise.resolve(""));

const includeUsage = (json: Record<string, unknown>) =>
  (json.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;

/** Keeps a conversation on one account (warm provider caches): Anthropic metadata.user_id, OpenAI user, or a header. */
function sessionKeyOf(json: Record<string, unknown>, headers: Headers): string | undefined {
  const fromHeader = headers.get("x-session-id") ?? headers.get("x-claude-code-session-id");
  if (fromHeader) return fromHeader;
  const meta = json.metadata as { user_id?: unknown } | undefined;
  if (typeof meta?.user_id === "string") return meta.user_id;
  if (typeof json.user === "string") return json.user;
  return undefined;
}
