import type { Dialect } from "../dialects/types.ts";
import type { GatewayError } from "../errors.ts";

/**
 * Upstream response headers the client gets back: request ids and rate-limit state. The upstream's
 * `x-request-id` is renamed because the gateway's own request id travels in that header.
 */
export function forwardedResponseHeaders(upstream: Headers, out: Record<string, string>): void {
  upstream.forEach((value, name) => {
    if (
      name === "request-id" ||
      name === "retry-after" ||
      name === "retry-after-ms" ||
      name.startsWith("anthropic-ratelimit-") ||
      name.startsWith("x-ratelimit-") ||
      name === "openai-processing-ms"
    ) {
      out[name] = value;
    } else if (name === "x-request-id") {
      out["x-upstream-request-id"] = value;
    }
  });
}

/** An upstream's non-2xx answer as a GatewayError in its dialect's terms, carrying the headers the client gets back. */
export function upstreamFailure(dialect: Dialect, response: Response, bodyText: string): GatewayError {
  const err = dialect.decodeError(response.status, bodyText, response.headers);
  const forwarded: Record<string, string> = {};
  forwardedResponseHeaders(response.headers, forwarded);
  err.options.headers = { ...forwarded, ...err.options.headers };
  return err;
}
