import type { Config, UpstreamAccount } from "../config/schema.ts";
import { dialects } from "../dialects/index.ts";
import type { DialectName } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";
import { DIALECT_ENDPOINT } from "../providers/provider.ts";
import { providers } from "../providers/registry.ts";
import type { UpstreamOutcome } from "../routing/classify-outcome.ts";
import { proxyForUrl, type ProxyEnvironment } from "../transport/proxy-for-url.ts";
import { callUpstream, type FetchFn, type UpstreamExchange, type UpstreamTimeouts } from "../transport/upstream-fetch.ts";
import { upstreamFailure } from "./forward-headers.ts";

/**
 * The one place the gateway calls an upstream account: credential → target URL and auth headers → loop-guard
 * header → outbound proxy → callUpstream → on an OAuth 401 one refresh and one retry; and, for a non-2xx answer,
 * the error the client gets and the outcome the router is told. The proxy, count_tokens and the health probe all
 * come through here, so a header every upstream call must carry is added in `send` below and nowhere else.
 */

/** Counts gateways a request went through, so an account pointing back at a gateway cannot loop forever. */
export const HOPS_HEADER = "x-llm-gateway-hops";
export const MAX_HOPS = 5;

/**
 * The hop count to send upstream for a client request with these headers; a 508 when the request already
 * went through MAX_HOPS gateways. Call it before routing, so a loop costs no account anything. A value that is
 * not a positive number counts as none (it must not switch the guard off).
 */
export function nextHops(clientHeaders: Headers): string {
  const seen = Number(clientHeaders.get(HOPS_HEADER) ?? "0");
  const hops = (seen > 0 ? seen : 0) + 1;
  if (hops > MAX_HOPS) {
    throw new GatewayError(508, "invalid_request", `request passed through ${MAX_HOPS} gateways: an account or route points back at a gateway (loop)`);
  }
  return String(hops);
}

export interface UpstreamDeps {
  /** Network fetch for real upstreams. */
  fetch: FetchFn;
  /** In-process fetch answering for `mock` accounts. */
  mockFetch: FetchFn;
  /** The account's credential in plaintext (decrypted API key, or a fresh OAuth access token). */
  credential(account: UpstreamAccount): Promise<string | undefined> | string | undefined;
  /** OAuth accounts: a new access token after the upstream refused `failed` with a 401 (one refresh, shared). */
  refreshCredential?(account: UpstreamAccount, failed: string): Promise<string>;
}

/** What stays the same for every account one client request (or one probe) is sent to. Built once per request. */
export interface Outbound {
  /** The client's request: its headers feed the few forwarded ones, its signal's abort cancels the call. */
  client: { readonly signal: AbortSignal; readonly headers: Headers };
  /** From nextHops(). */
  hops: string;
  timeouts: UpstreamTimeouts;
  /** The configuration's `environment` section: the outbound proxy. */
  environment: ProxyEnvironment;
}

/** One call to one account. */
export interface AccountCall {
  account: UpstreamAccount;
  /** The dialect the body is written in (the upstream's). */
  dialect: DialectName;
  /** The model name the upstream sees. */
  model: string;
  /** A streaming request (Gemini's endpoint says so in its URL). */
  stream?: boolean;
  /**
   * Which endpoint: the dialect's own (default, POST), Anthropic's `count_tokens` (POST), or the account's model
   * list (GET, no body; what the health probe asks).
   */
  endpoint?: "count_tokens" | "models";
  /** The request body; undefined for the model list. */
  body?: string;
}

/** The proxy's deadlines (seconds in the file) in milliseconds. */
export function upstreamTimeouts(proxy: Config["proxy"]): UpstreamTimeouts {
  return { firstByte: proxy.first_byte_timeout * 1000, streamIdle: proxy.stream_idle_timeout * 1000, total: proxy.total_timeout * 1000 };
}

/**
 * Calls the account and resolves with the exchange (any status; see accountFailure for a non-2xx one). An OAuth
 * access token can be revoked before its expiry (src/oauth/README.md): a 401 to one is answered by one refresh and
 * one retry, whose answer is final. Not an async function: an API-key credential is plain, and that path adds no
 * await to the call.
 */
export function callAccount(deps: UpstreamDeps, out: Outbound, call: AccountCall): Promise<UpstreamExchange> {
  try {
    const credential = deps.credential(call.account);
    return credential instanceof Promise ? credential.then((c) => withCredential(deps, out, call, c)) : withCredential(deps, out, call, credential);
  } catch (e) {
    return Promise.reject(e);
  }
}

function withCredential(deps: UpstreamDeps, out: Outbound, call: AccountCall, credential: string | undefined): Promise<UpstreamExchange> {
  const first = send(deps, out, call, credential);
  // Tokens that can be renewed: OAuth accounts' and Vertex AI's (from a service-account key).
  const renewable = call.account.type === "oauth" || call.account.provider === "vertex";
  return renewable && deps.refreshCredential && credential ? refreshOn401(deps, out, call, credential, first) : first;
}

async function refreshOn401(
  deps: UpstreamDeps,
  out: Outbound,
  call: AccountCall,
  credential: string,
  first: Promise<UpstreamExchange>,
): Promise<UpstreamExchange> {
  const exchange = await first;
  if (exchange.response.status !== 401) return exchange;
  await exchange.text().catch(() => "");
  return send(deps, out, call, await deps.refreshCredential!(call.account, credential));
}

function send(deps: UpstreamDeps, out: Outbound, call: AccountCall, credential: string | undefined): Promise<UpstreamExchange> {
  const { account, endpoint } = call;
  const target = providers[account.provider].target(account, {
    dialect: call.dialect,
    model: call.model,
    credential,
    clientHeaders: out.client.headers,
    countTokens: endpoint === "count_tokens",
    stream: call.stream,
  });
  let url = target.url;
  // The spec builds a fresh header object per call: added to in place, not copied.
  const headers = target.headers;
  headers[HOPS_HEADER] = out.hops;
  if (endpoint === "models") {
    url = modelsUrl(url, call.dialect);
    delete headers["content-type"];
  }
  return callUpstream(account.provider === "mock" ? deps.mockFetch : deps.fetch, {
    url,
    headers,
    body: call.body,
    client: out.client,
    timeouts: out.timeouts,
    proxy: proxyForUrl(url, out.environment),
  });
}

/**
 * The model list next to an endpoint: `…/v1/chat/completions` → `…/v1/models`; Azure's deployment form
 * `…/openai/deployments/{d}/chat/completions?api-version=…` → `…/openai/models?api-version=…`; Gemini's native
 * endpoint names the model (`…/v1beta/models/probe:generateContent`), and its list is that collection.
 */
export function modelsUrl(endpointUrl: string, dialect: DialectName): string {
  const url = new URL(endpointUrl);
  let path = url.pathname;
  if (dialect === "gemini") {
    path = path.replace(/\/models\/[^/]*$/, "");
  } else {
    const endpoint = DIALECT_ENDPOINT[dialect];
    if (path.endsWith(endpoint)) path = path.slice(0, -endpoint.length);
    path = path.replace(/\/deployments\/[^/]+$/, "");
  }
  url.pathname = `${path}/models`;
  return url.toString();
}

/** A non-2xx answer: the error for the client (in the upstream dialect's terms) and the outcome for the router. */
export interface AccountFailure {
  error: GatewayError;
  outcome: UpstreamOutcome;
}

/**
 * Reads a non-2xx exchange's body (ending the exchange) and classifies it. The provider's finer error code travels
 * in the outcome: a 429 for an exhausted spend limit cools the account down for long, where a plain 429 does not.
 */
export async function accountFailure(exchange: UpstreamExchange, dialect: DialectName): Promise<AccountFailure> {
  const res = exchange.response;
  const error = upstreamFailure(dialects[dialect], res, await exchange.text().catch(() => ""));
  return { error, outcome: { kind: "http", status: res.status, headers: res.headers, errorCode: error.options.upstreamCode } };
}
