import type { Config, UpstreamAccount } from "../config/schema.ts";
import { DIALECT_ENDPOINT } from "../providers/provider.ts";
import { providers } from "../providers/registry.ts";
import type { UpstreamOutcome } from "../routing/classify-outcome.ts";
import { proxyForUrl } from "../transport/proxy-for-url.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";

export interface AccountProbeDeps {
  config(): Config;
  fetch: FetchFn;
  credential(account: UpstreamAccount): Promise<string | undefined> | string | undefined;
}

/**
 * The active health probe: `GET …/models` with the account's real credential, built from the provider spec's
 * own target (same base URL, auth headers, proxy), so it fails exactly when the credential or the host does.
 * Why the model list and not a 1-token completion: it costs no tokens and no rate-limit budget on every
 * provider we speak (OpenAI, compatible servers, Gemini's OpenAI endpoint, Anthropic, Azure), and a failing
 * credential is what probes mostly exist for. Its limit: a provider whose inference tier is down while its
 * model list answers passes the probe; the next real request then fails, fails over and reopens the breaker
 * (with a doubled open period), so a client never sees it. The `mock` provider is in-process and always up.
 * Bounded by proxy.first_byte_timeout; the body is discarded.
 */
export function createAccountProbe(deps: AccountProbeDeps): (account: UpstreamAccount) => Promise<UpstreamOutcome> {
  return async (account) => {
    if (account.provider === "mock") return { kind: "success" };
    const config = deps.config();
    const spec = providers[account.provider];
    const dialect = spec.dialectFor("openai-chat", account);
    const credential = await deps.credential(account);
    const target = spec.target(account, { dialect, model: "probe", credential, clientHeaders: new Headers() });
    // Gemini's native endpoint names the model (`…/models/probe:generateContent`): its list is the collection.
    const url = dialect === "gemini" ? target.url.replace(/\/models\/[^/]*$/, "/models") : modelsUrl(target.url, DIALECT_ENDPOINT[dialect]);
    const { "content-type": _ct, ...headers } = target.headers;
    const started = performance.now();
    try {
      const res = await deps.fetch(url, {
        method: "GET",
        headers,
        signal: AbortSignal.timeout(config.proxy.first_byte_timeout * 1000),
        proxy: proxyForUrl(url, config.environment),
      });
      const ttfbMs = performance.now() - started;
      await res.body?.cancel().catch(() => {});
      return res.ok ? { kind: "success", ttfbMs } : { kind: "http", status: res.status, headers: res.headers };
    } catch (e) {
      return (e as Error)?.name === "TimeoutError" ? { kind: "timeout" } : { kind: "network" };
    }
  };
}

/**
 * `…/v1/chat/completions` → `…/v1/models`; Azure's deployment form
 * `…/openai/deployments/{d}/chat/completions?api-version=…` → `…/openai/models?api-version=…`.
 */
export function modelsUrl(endpointUrl: string, endpoint: string): string {
  const url = new URL(endpointUrl);
  let path = url.pathname.endsWith(endpoint) ? url.pathname.slice(0, -endpoint.length) : url.pathname;
  path = path.replace(/\/deployments\/[^/]+$/, "");
  url.pathname = `${path}/models`;
  return url.toString();
}
