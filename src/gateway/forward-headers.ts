/**
 * Upstream response headers the client gets back: request ids and rate-limit state. The upstream's
 * `x-request-id` is renamed because the gateway's own request id travels in that header.
 */
export function forwardedResponseHeaders(upstream: Headers, out: Headers): void {
  upstream.forEach((value, name) => {
    if (
      name === "request-id" ||
      name === "retry-after" ||
      name === "retry-after-ms" ||
      name.startsWith("anthropic-ratelimit-") ||
      name.startsWith("x-ratelimit-") ||
      name === "openai-processing-ms"
    ) {
      out.set(name, value);
    } else if (name === "x-request-id") {
      out.set("x-upstream-request-id", value);
    }
  });
}
