import type { Config, UpstreamAccount } from "../config/schema.ts";
import { providers } from "../providers/registry.ts";
import { outcomeFromError, type UpstreamOutcome } from "../routing/classify-outcome.ts";
import { accountFailure, callAccount, nextHops, type UpstreamDeps } from "../upstream/call-account.ts";

export interface AccountProbeDeps extends UpstreamDeps {
  config(): Config;
}

/**
 * The active health probe: `GET …/models` with the account's real credential, sent through callAccount like every
 * upstream call (same base URL, auth headers, proxy, loop-guard header, OAuth refresh on a 401), so it fails exactly
 * when the credential or the host does, and its failures are classified as a request's would be.
 * Why the model list and not a 1-token completion: it costs no tokens and no rate-limit budget on every
 * provider we speak (OpenAI, compatible servers, Gemini's OpenAI endpoint, Anthropic, Azure), and a failing
 * credential is what probes mostly exist for. Its limit: a provider whose inference tier is down while its
 * model list answers passes the probe; the next real request then fails, fails over and reopens the breaker
 * (with a doubled open period), so a client never sees it. The `mock` provider is in-process and always up.
 * Bounded by proxy.first_byte_timeout (an error body included); a successful answer's body is discarded.
 */
export function createAccountProbe(deps: AccountProbeDeps): (account: UpstreamAccount) => Promise<UpstreamOutcome> {
  return async (account) => {
    if (account.provider === "mock") return { kind: "success" };
    const config = deps.config();
    const dialect = providers[account.provider].dialectFor("openai-chat", account);
    const deadline = config.proxy.first_byte_timeout * 1000;
    try {
      const exchange = await callAccount(
        deps,
        {
          // No client behind a probe: a signal that never aborts, no headers to forward.
          client: { signal: new AbortController().signal, headers: new Headers() },
          hops: nextHops(new Headers()),
          timeouts: { firstByte: deadline, streamIdle: deadline, total: deadline },
          environment: config.environment,
        },
        { account, dialect, model: "probe", endpoint: "models" },
      );
      if (!exchange.response.ok) return (await accountFailure(exchange, dialect)).outcome;
      exchange.close(PROBE_DONE);
      return { kind: "success", ttfbMs: exchange.ttfbMs };
    } catch (e) {
      // Timeouts, connection failures, a credential that cannot be had (an OAuth login that must be redone: auth).
      return outcomeFromError(e) ?? { kind: "network" };
    }
  };
}

/** The abort reason that discards a successful probe's body. */
const PROBE_DONE = "probe answered; body not needed";
