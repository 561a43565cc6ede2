import type { CanonicalRequest, Usage } from "../canonical/model.ts";
import { idsWithoutSignatureInJson } from "../canonical/tool-call-id.ts";
import type { Config } from "../config/schema.ts";
import { dialects } from "../dialects/index.ts";
import type { DialectName, EncodeContext } from "../dialects/types.ts";
import { GatewayError, invalidRequest } from "../errors.ts";
import { providers } from "../providers/registry.ts";
import { runWithFailover, type AttemptContext, type FailoverResult, type RouterPort } from "../routing/failover.ts";
import type { UpstreamExchange } from "../transport/upstream-fetch.ts";
import { accountFailure, callAccount, nextHops, upstreamTimeouts, type Outbound, type UpstreamDeps } from "../upstream/call-account.ts";
import { forwardedResponseHeaders } from "../upstream/forward-headers.ts";
import { failoverRequest } from "./failover-request.ts";
import { readUntilFirstEvent, type StartedStream } from "./first-event.ts";
import type { JsonBody } from "./read-json-body.ts";
import { responsesEncodeContext, type ResponsesSession } from "./responses-conversation.ts";
import { usageFromBody } from "../usage/usage-from-wire.ts";
import type { RequestUsage } from "../usage/usage-recorder.ts";
import { convertedStream, passthroughStream, type StreamEnd } from "./stream-bodies.ts";
import { arrayStreamError, sseToJsonArrayStream } from "./json-array-stream.ts";
import { asksUsageFor, clientAsksUsage, withUsageAsked } from "./stream-usage.ts";

export type { RouterPort };

/** The upstream side (fetches, credentials) comes from UpstreamDeps: every upstream call goes through callAccount. */
export interface ProxyDeps extends UpstreamDeps {
  config(): Config;
  router: RouterPort;
  clock?: () => number;
}

export interface ProxyInput {
  request: Request;
  clientDialect: DialectName;
  body: JsonBody;
  /** Filled in for the access log. */
  logFields: Record<string, unknown>;
  /**
   * Headers the gateway puts on every answer (request id, its rate-limit state, CORS). The upstream's
   * forwarded headers are added over them, so one header object is built per response.
   */
  headers?: Record<string, string>;
  /** OpenAI Responses clients: the responses the gateway keeps for the key (src/gateway/responses-conversation.ts). */
  responses?: ResponsesSession;
  /** Gemini clients name the model and streaming in the URL (`/v1beta/models/{model}:streamGenerateContent`). */
  model?: string;
  stream?: boolean;
  /** Gemini clients: `json-array` for `:streamGenerateContent` without `alt=sse`. */
  streamFraming?: "sse" | "json-array";
  /**
   * The request's usage row (usage-recorder.ts; the model asked and the stream flag are already in it): filled with
   * the account, the model served, the upstream dialect, attempts and tokens; a stream's row is completed when the
   * stream ends.
   */
  usage?: RequestUsage;
}

/** What one successful attempt hands back before anything is sent to the client. */
type Prepared =
  | { kind: "json"; upstreamDialect: DialectName; status: number; headers: Record<string, string>; text: string; usage?: Usage }
  | {
      kind: "stream";
      upstreamDialect: DialectName;
      headers: Record<string, string>;
      started: StartedStream;
      exchange: UpstreamExchange;
      /** The gateway asked for the usage chunk the client did not (src/gateway/stream-usage.ts): it is kept from the client. */
      usageAsked: boolean;
    };

/**
 * The request path from a decoded client body to the client's response: route → pick account → encode for its
 * dialect (or pass the bytes through) → call → convert or pipe back. An attempt that fails before anything
 * reached the client (a stream before its first event included) moves on to the next account.
 */
export async function proxyLlmRequest(deps: ProxyDeps, input: ProxyInput): Promise<Response> {
  const config = deps.config();
  const clock = deps.clock ?? Date.now;
  const { clientDialect, body, request } = input;
  const clientModel = input.model ?? body.json.model;
  if (typeof clientModel !== "string" || !clientModel) throw invalidRequest("model: required, a non-empty string", "model");
  const stream = input.stream ?? body.json.stream === true;
  // Gemini bodies name no model (it is in the URL): a routed name changes the upstream URL, never the body.
  const modelInUrl = input.model !== undefined;
  input.logFields.model = clientModel;
  const u = input.usage;
  const out: Outbound = { client: request, hops: nextHops(request.headers), timeouts: upstreamTimeouts(config.proxy), environment: config.environment };

  let canonical: CanonicalRequest | undefined;
  /** A converted answer's context beyond the model: Responses clients get their request and the keeping callback. */
  const clientContext = (): Pick<EncodeContext, "request" | "keep"> | undefined =>
    clientDialect === "openai-responses" && canonical ? responsesEncodeContext(canonical, body.json, input.responses) : undefined;

  /** An upstream's JSON answer as the client's body (and its usage); throws a retryable 502 when it is not a valid answer. */
  const clientBody = (text: string, upstreamDialect: DialectName, targetModel: string): { text: string; usage?: Usage } => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    } catch {
      throw new GatewayError(502, "upstream_error", "upstream answered with malformed JSON", { retryable: true });
    }
    const usage = usageFromBody(upstreamDialect, parsed);
    if (upstreamDialect === clientDialect) {
      if (targetModel === clientModel || modelInUrl) return { text, usage };
      parsed.model = clientModel;
      return { text: JSON.stringify(parsed), usage };
    }
    try {
      return { text: JSON.stringify(dialects[clientDialect].encodeResponse(dialects[upstreamDialect].decodeResponse(parsed), { model: clientModel, ...clientContext() })), usage };
    } catch (e) {
      throw new GatewayError(502, "upstream_error", "upstream answer could not be converted to the client's format", { retryable: true, cause: e });
    }
  };

  const attempt = async (ctx: AttemptContext): Promise<Prepared> => {
    const { account, targetModel } = ctx;
    input.logFields.account = account.id;
    const spec = providers[account.provider];
    // The routed model decides between an OpenAI-family account's Chat and Responses APIs (responses_models).
    const upstreamDialect = spec.dialectFor(clientDialect, account, targetModel);
    if (u) {
      // The last account tried is the one a failed request is recorded against.
      const row = u.row;
      row.accountId = account.id;
      row.provider = account.provider;
      row.modelServed = targetModel;
      row.upstreamDialect = upstreamDialect;
      row.attempts = ctx.attempt;
    }
    let upstreamBody: string;
    let usageAsked = false;
    if (upstreamDialect === clientDialect) {
      const renamed = !(targetModel === clientModel || modelInUrl);
      // An OpenAI stream reports usage only when asked: asked here for a client that did not (stream-usage.ts).
      usageAsked = stream && asksUsageFor(clientDialect, account, body.json);
      if (usageAsked) upstreamBody = withUsageAsked(body.text, body.json, renamed ? targetModel : undefined);
      else upstreamBody = renamed ? JSON.stringify({ ...body.json, model: targetModel }) : body.text;
      // Tool-call ids carrying a Gemini signature (a conversation that began on a Gemini account) lose it towards
      // any other upstream: OpenAI refuses ids over 40 characters.
      if (upstreamDialect !== "gemini" && upstreamBody.includes('"gsig')) upstreamBody = idsWithoutSignatureInJson(upstreamBody);
    } else {
      canonical ??= dialects[clientDialect].decodeRequest(body.json, modelInUrl ? { model: clientModel, stream } : undefined);
      upstreamBody = JSON.stringify(
        dialects[upstreamDialect].encodeRequest(canonical, {
          model: targetModel,
          defaultMaxTokens: config.proxy.default_max_tokens,
          maxTokensField: spec.maxTokensField,
          maxOutputTokens: account.max_output_tokens,
          reasoning: account.reasoning,
          streamUsage: account.stream_usage,
          onAdjust: (field, reason) => ((input.logFields.adjusted ??= []) as string[]).push(`${field}: ${reason}`),
        }),
      );
    }
    const exchange = await callAccount(deps, out, { account, dialect: upstreamDialect, model: targetModel, stream, body: upstreamBody });
    const res = exchange.response;
    if (!res.ok) {
      const failure = await accountFailure(exchange, upstreamDialect);
      ctx.report(failure.outcome);
      throw failure.error;
    }
    const headers: Record<string, string> = { ...input.headers };
    forwardedResponseHeaders(res.headers, headers);
    if (!stream) {
      // Parsed and converted here, before the success is reported: a malformed or unreadable body is the
      // account's failure and fails over like a 5xx (nothing has reached the client yet).
      const answer = clientBody(await readText(exchange), upstreamDialect, targetModel);
      ctx.report({ kind: "success", ttfbMs: exchange.ttfbMs });
      return { kind: "json", upstreamDialect, status: res.status, headers, ...answer };
    }
    try {
      const started = await readUntilFirstEvent(exchange);
      ctx.report({ kind: "success", ttfbMs: exchange.ttfbMs });
      return { kind: "stream", upstreamDialect, headers, started, exchange, usageAsked };
    } catch (e) {
      exchange.close(e);
      throw e;
    }
  };

  const result = await runWithFailover(deps.router, clock, failoverRequest(config, clientModel, body.json, request.headers), attempt);
  const prepared = result.value;
  const { targetModel } = result;
  if (prepared.kind === "json") {
    result.release();
    if (u) u.tokens = prepared.usage;
    prepared.headers["content-type"] = "application/json";
    return new Response(prepared.text, { status: prepared.status, headers: prepared.headers });
  }
  return streamResponse(prepared, {
    result,
    usage: u,
    clientDialect,
    clientModel,
    rewriteModel: targetModel === clientModel || modelInUrl ? undefined : { upstream: targetModel, client: clientModel },
    includeUsage: clientAsksUsage(body.json),
    context: prepared.upstreamDialect === clientDialect ? undefined : clientContext(),
    framing: input.streamFraming,
  });
}

/**
 * The client's stream once an account committed to it. A module-level function on purpose: the callbacks made here
 * live as long as the stream (often minutes), and a closure keeps its whole enclosing scope alive. Made inside
 * proxyLlmRequest they would hold the request's body, its parsed JSON and its conversion (hundreds of KB for a
 * coding agent's request) until the stream ends; made here they hold only what the stream needs.
 */
function streamResponse(
  prepared: Extract<Prepared, { kind: "stream" }>,
  s: {
    result: Pick<FailoverResult<unknown>, "report" | "release">;
    usage: RequestUsage | undefined;
    clientDialect: DialectName;
    clientModel: string;
    rewriteModel?: { upstream: string; client: string };
    includeUsage: boolean;
    /** A converted stream's encoder context beyond the model (clientContext above). */
    context?: Pick<EncodeContext, "request" | "keep">;
    framing?: "sse" | "json-array";
  },
): Response {
  const { result, usage, clientDialect } = s;
  const { upstreamDialect, headers } = prepared;
  const clientSide = dialects[clientDialect];
  const array = s.framing === "json-array";
  // The row waits for the stream's end (onEnd may come before the response is returned: an answer that came whole).
  if (usage) usage.recorder.streamStarted(usage);
  const common = {
    // Only before anything was written (directStream): in the array form, the error is the whole array.
    errorEvent: array ? (err: GatewayError) => arrayStreamError(err) : (err: GatewayError) => clientSide.encodeStreamError(err),
    onEnd: (end: StreamEnd) => {
      if (end.error) result.report(end.error.code === "timeout" ? { kind: "timeout" } : { kind: "network" });
      result.release();
      if (usage) usage.recorder.streamEnded(usage, end.usage, end.error ? end.error.code : end.cancelled ? "cancelled" : undefined);
    },
  };
  const out =
    upstreamDialect === clientDialect
      ? array
        ? sseToJsonArrayStream(prepared.started, common)
        : passthroughStream(prepared.started, { ...common, dialect: clientDialect, rewriteModel: s.rewriteModel, dropUsageChunk: prepared.usageAsked })
      : convertedStream(prepared.started, {
          ...common,
          decoder: dialects[upstreamDialect].streamDecoder(),
          encoder: clientSide.streamEncoder({ model: s.clientModel, includeUsage: s.includeUsage, ...s.context, streamFraming: s.framing }),
        });
  headers["content-type"] = array ? "application/json; charset=utf-8" : "text/event-stream; charset=utf-8";
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  return new Response(out, { status: 200, headers });
}

/** The whole body, within the exchange's total deadline. */
const readText = (exchange: UpstreamExchange) => exchange.text();
