import { GatewayError, invalidRequest } from "../errors.ts";
import { runWithFailover } from "../routing/failover.ts";
import { accountFailure, callAccount, nextHops, upstreamTimeouts, type Outbound } from "../upstream/call-account.ts";
import { forwardedResponseHeaders } from "../upstream/forward-headers.ts";
import { failoverRequest } from "./failover-request.ts";
import type { ProxyDeps, ProxyInput } from "./proxy-llm-request.ts";

/**
 * A documented estimate for upstreams that cannot count Anthropic-shaped input: a quarter of the UTF-8 bytes of
 * the system prompt, messages and tools as JSON (JSON punctuation makes it err on the high side, which is the safe
 * side for context-window checks). Answers carry `x-llm-gateway-token-count: estimate`.
 */
export function estimateInputTokens(json: Record<string, unknown>): number {
  const text = JSON.stringify([json.system ?? null, json.messages ?? null, json.tools ?? null]);
  return Math.max(1, Math.ceil(Buffer.byteLength(text) / 4));
}

/**
 * `POST /v1/messages/count_tokens`: exact from an Anthropic (or mock) account, which is asked through the usual
 * routing and failover; from any other upstream, the estimate above. Never a fake 0.
 */
export async function countTokens(deps: ProxyDeps, input: ProxyInput): Promise<Response> {
  const config = deps.config();
  const { json, text } = input.body;
  const model = json.model;
  if (typeof model !== "string" || !model) throw invalidRequest("model: required, a non-empty string", "model");
  if (!Array.isArray(json.messages)) throw invalidRequest("messages: required, an array", "messages");
  input.logFields.model = model;
  const out: Outbound = { client: input.request, hops: nextHops(input.request.headers), timeouts: upstreamTimeouts(config.proxy), environment: config.environment };

  const result = await runWithFailover(deps.router, deps.clock ?? Date.now, failoverRequest(config, model, json, input.request.headers), async ({ account, targetModel, report }) => {
    input.logFields.account = account.id;
    const headers: Record<string, string> = { ...input.headers, "content-type": "application/json" };
    if (account.provider !== "anthropic" && account.provider !== "mock") {
      headers["x-llm-gateway-token-count"] = "estimate";
      return new Response(JSON.stringify({ input_tokens: estimateInputTokens(json) }), { headers });
    }
    const exchange = await callAccount(deps, out, {
      account,
      dialect: "anthropic-messages",
      model: targetModel,
      endpoint: "count_tokens",
      body: targetModel === model ? text : JSON.stringify({ ...json, model: targetModel }),
    });
    const res = exchange.response;
    if (!res.ok) {
      const failure = await accountFailure(exchange, "anthropic-messages");
      report(failure.outcome);
      throw failure.error;
    }
    const body = await exchange.text();
    report({ kind: "success", ttfbMs: exchange.ttfbMs });
    forwardedResponseHeaders(res.headers, headers);
    const parsed = JSON.parse(body) as { input_tokens?: unknown };
    if (typeof parsed.input_tokens !== "number") throw new GatewayError(502, "upstream_error", "upstream count_tokens answer has no input_tokens");
    return new Response(body, { headers });
  });
  result.release();
  return result.value;
}
