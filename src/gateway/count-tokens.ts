import type { UpstreamAccount } from "../config/schema.ts";
import { dialects } from "../dialects/index.ts";
import type { DialectName } from "../dialects/types.ts";
import { GatewayError, invalidRequest } from "../errors.ts";
import { providers } from "../providers/registry.ts";
import { runWithFailover } from "../routing/failover.ts";
import { accountFailure, callAccount, nextHops, upstreamTimeouts, type Outbound } from "../upstream/call-account.ts";
import { forwardedResponseHeaders } from "../upstream/forward-headers.ts";
import { failoverRequest } from "./failover-request.ts";
import type { ProxyDeps, ProxyInput } from "./proxy-llm-request.ts";

/** The clients that can ask for a count: Anthropic's `count_tokens`, Gemini's `:countTokens`. */
type CountingDialect = Extract<DialectName, "anthropic-messages" | "gemini">;

/**
 * A documented estimate for upstreams that cannot count the request: a quarter of the UTF-8 bytes of the system
 * prompt, messages and tools as JSON (JSON punctuation makes it err on the high side, which is the safe side for
 * context-window checks). Answers carry `x-llm-gateway-token-count: estimate`.
 */
export function estimateInputTokens(json: Record<string, unknown>): number {
  const text = JSON.stringify([json.system ?? null, json.messages ?? null, json.tools ?? null]);
  return Math.max(1, Math.ceil(Buffer.byteLength(text) / 4));
}

/** The same estimate for a Gemini body (`systemInstruction`, `contents`, `tools`). */
export function estimateGeminiTokens(request: Record<string, unknown>): number {
  const text = JSON.stringify([request.systemInstruction ?? null, request.contents ?? null, request.tools ?? null]);
  return Math.max(1, Math.ceil(Buffer.byteLength(text) / 4));
}

/** Gemini's countTokens body is `{contents}` or `{generateContentRequest: {model, contents, …}}`. */
const geminiRequestOf = (json: Record<string, unknown>): Record<string, unknown> =>
  typeof json.generateContentRequest === "object" && json.generateContentRequest !== null
    ? (json.generateContentRequest as Record<string, unknown>)
    : json;

/** Which count endpoint an account has: its own dialect's, or none (then the estimate). */
function countingDialect(account: UpstreamAccount, client: CountingDialect): CountingDialect | undefined {
  if (account.provider === "mock") return client; // the mock counts in every dialect
  if (account.provider === "anthropic") return "anthropic-messages";
  const d = providers[account.provider].dialectFor(client, account);
  return d === "gemini" ? "gemini" : undefined;
}

/** The fields Anthropic's count_tokens takes (it refuses max_tokens, stream and the rest). */
const ANTHROPIC_COUNT_FIELDS = ["model", "messages", "system", "tools", "tool_choice", "thinking"];

/**
 * `POST /v1/messages/count_tokens` (Anthropic clients) and `POST /v1beta/models/{model}:countTokens` (Gemini
 * clients): exact from an account that can count — Anthropic (count_tokens), a native Gemini account (countTokens),
 * the mock — asked through the usual routing and failover, the request converted when the dialects differ; from
 * any other upstream, the estimate above. Never a fake 0. The answer is in the client's shape.
 */
export async function countTokens(deps: ProxyDeps, input: ProxyInput & { clientDialect: CountingDialect }): Promise<Response> {
  const config = deps.config();
  const { json, text } = input.body;
  const client = input.clientDialect;
  const model = input.model ?? json.model;
  if (typeof model !== "string" || !model) throw invalidRequest("model: required, a non-empty string", "model");
  if (client === "anthropic-messages" && !Array.isArray(json.messages)) throw invalidRequest("messages: required, an array", "messages");
  if (client === "gemini" && !Array.isArray(geminiRequestOf(json).contents)) {
    throw invalidRequest("contents: required, an array (or generateContentRequest.contents)", "contents");
  }
  input.logFields.model = model;
  const out: Outbound = { client: input.request, hops: nextHops(input.request.headers), timeouts: upstreamTimeouts(config.proxy), environment: config.environment };

  /** The client's request decoded once, for the accounts whose count endpoint speaks the other dialect. */
  let canonical: ReturnType<(typeof dialects)[CountingDialect]["decodeRequest"]> | undefined;
  const decoded = () =>
    (canonical ??= client === "gemini" ? dialects.gemini.decodeRequest(geminiRequestOf(json), { model }) : dialects[client].decodeRequest(json));

  /** The body for the account's count endpoint. */
  const upstreamBody = (dialect: CountingDialect, targetModel: string, account: UpstreamAccount): string => {
    if (dialect === client) {
      if (client === "anthropic-messages") return targetModel === model ? text : JSON.stringify({ ...json, model: targetModel });
      return geminiCountBody(json, text, targetModel, account);
    }
    const adjust = (field: string, reason: string) => ((input.logFields.adjusted ??= []) as string[]).push(`${field}: ${reason}`);
    const opts = { model: targetModel, defaultMaxTokens: config.proxy.default_max_tokens, onAdjust: adjust };
    const encoded = dialects[dialect].encodeRequest({ ...decoded(), stream: false }, opts);
    if (dialect === "anthropic-messages") {
      return JSON.stringify(Object.fromEntries(ANTHROPIC_COUNT_FIELDS.filter((k) => encoded[k] !== undefined).map((k) => [k, encoded[k]])));
    }
    return JSON.stringify(account.provider === "vertex" ? encoded : { generateContentRequest: { model: `models/${targetModel}`, ...encoded } });
  };

  const result = await runWithFailover(deps.router, deps.clock ?? Date.now, failoverRequest(config, model, json, input.request.headers), async ({ account, targetModel, report }) => {
    input.logFields.account = account.id;
    const headers: Record<string, string> = { ...input.headers, "content-type": "application/json" };
    const dialect = countingDialect(account, client);
    if (!dialect) {
      headers["x-llm-gateway-token-count"] = "estimate";
      const body = client === "gemini" ? { totalTokens: estimateGeminiTokens(geminiRequestOf(json)) } : { input_tokens: estimateInputTokens(json) };
      return new Response(JSON.stringify(body), { headers });
    }
    const exchange = await callAccount(deps, out, {
      account,
      dialect,
      model: targetModel,
      endpoint: "count_tokens",
      body: upstreamBody(dialect, targetModel, account),
    });
    const res = exchange.response;
    if (!res.ok) {
      const failure = await accountFailure(exchange, dialect);
      report(failure.outcome);
      throw failure.error;
    }
    const body = await exchange.text();
    report({ kind: "success", ttfbMs: exchange.ttfbMs });
    forwardedResponseHeaders(res.headers, headers);
    let parsed: { input_tokens?: unknown; totalTokens?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new GatewayError(502, "upstream_error", "upstream count answer is not JSON");
    }
    const count = dialect === "gemini" ? parsed.totalTokens ?? 0 : parsed.input_tokens;
    if (typeof count !== "number") throw new GatewayError(502, "upstream_error", `upstream ${dialect === "gemini" ? "countTokens" : "count_tokens"} answer has no count`);
    if (dialect === client) return new Response(body, { headers });
    return new Response(JSON.stringify(client === "gemini" ? { totalTokens: count } : { input_tokens: count }), { headers });
  });
  result.release();
  return result.value;
}

/**
 * A Gemini client's countTokens body for a native account: as sent, with `generateContentRequest.model` (when there
 * is one) naming the routed model. Vertex AI takes the request's fields at the top level instead (no
 * `generateContentRequest`, no model: the URL names it).
 */
function geminiCountBody(json: Record<string, unknown>, text: string, targetModel: string, account: UpstreamAccount): string {
  const inner = json.generateContentRequest;
  if (typeof inner !== "object" || inner === null) return text;
  const { model: _model, ...fields } = inner as Record<string, unknown>;
  if (account.provider === "vertex") return JSON.stringify(fields);
  return JSON.stringify({ ...json, generateContentRequest: { ...fields, model: `models/${targetModel}` } });
}
