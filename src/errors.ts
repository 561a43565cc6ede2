/**
 * Typed errors. They are turned into responses in exactly one place (the server's error
 * handling, in the client's own dialect) and into exit codes in one place (the CLI base command).
 * Messages say what failed and where, and never contain a secret.
 */
export type ErrorCode =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "request_too_large"
  | "rate_limited"
  | "upstream_error"
  | "overloaded"
  | "timeout"
  | "unavailable"
  | "internal"
  | "config";

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      retryable?: boolean;
      /** Seconds; sent as Retry-After. */
      retryAfter?: number;
      /** Field the message is about, e.g. `messages[2].content`. */
      param?: string;
      /** Provider's own error type (e.g. `overloaded_error`) when re-emitting an upstream error. */
      upstreamType?: string;
      /** Provider's finer error code (OpenAI `error.code`, Anthropic `error.details.error_code`). */
      upstreamCode?: string;
      /** Headers to pass back to the client (rate-limit, request id). */
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "GatewayError";
  }
}

export const invalidRequest = (message: string, param?: string) =>
  new GatewayError(400, "invalid_request", message, { param });

/** An error in configuration or CLI usage: exit code 1, message to stderr. */
export class ConfigError extends Error {
  constructor(message: string, readonly details: string[] = []) {
    super(details.length ? `${message}\n  ${details.join("\n  ")}` : message);
    this.name = "ConfigError";
  }
}
