import { dialects } from "../dialects/index.ts";
import { GatewayError, invalidRequest } from "../errors.ts";
import { providers } from "../providers/registry.ts";
import { runWithFailover } from "../routing/failover.ts";
import { sessionKeyFrom } from "../routing/session-key.ts";
import { proxyForUrl } from "../transport/proxy-for-url.ts";
import { callUpstream } from "../transport/upstream-fetch.ts";
import { forwardedResponseHeaders, upstreamFailure } from "./forward-headers.ts";
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

  const result = await runWithFailover(
    deps.router,
    deps.clock ?? Date.now,
    {
      config: { accounts: config.upstream_accounts, routes: config.model_routes },
      model,
      maxAttempts: config.proxy.max_attempts,
      deadlineMs: config.proxy.total_timeout * 1000,
      sessionKey: sessionKeyFrom(json, input.request.headers),
    },
    async ({ account, targetModel, report }) => {
      input.logFields.account = account.id;
      const headers: Record<string, string> = { ...input.headers, "content-type": "application/json" };
      if (account.provider !== "anthropic" && account.provider !== "mock") {
        headers["x-llm-gateway-token-count"] = "estimate";
        return new Response(JSON.stringify({ input_tokens: estimateInputTokens(json) }), { headers });
      }
      const spec = providers[account.provider];
      const credential = await deps.credential(account);
      const target = spec.target(account, {
        dialect: "anthropic-messages",
        model: targetModel,
        credential,
        clientHeaders: input.request.headers,
        countTokens: true,
      });
      const exchange = await callUpstream(account.provider === "mock" ? deps.mockFetch : deps.fetch, {
        url: target.url,
        headers: target.headers,
        body: targetModel === model ? text : JSON.stringify({ ...json, model: targetModel }),
        client: input.request,
        timeouts: {
          firstByte: config.proxy.first_byte_timeout * 1000,
          streamIdle: config.proxy.stream_idle_timeout * 1000,
          total: config.proxy.total_timeout * 1000,
        },
        proxy: proxyForUrl(target.url, config.environment),
      });
      const res = exchange.response;
      const body = await exchange.text();
      if (!res.ok) {
        const err = upstreamFailure(dialects["anthropic-messages"], res, body);
        report({ kind: "http", status: res.status, headers: res.headers, errorCode: err.options.upstreamCode });
        throw err;
      }
      report({ kind: "success", ttfbMs: exchange.ttfbMs });
      forwardedResponseHeaders(res.headers, headers);
      const parsed = JSON.parse(body) as { input_tokens?: unknown };
      if (typeof parsed.input_tokens !== "number") throw new GatewayError(502, "upstream_error", "upstream count_tokens answer has no input_tokens");
      return new Response(body, { headers });
    },
  );
  result.release();
  return result.value;
}
