import { dialects } from "../dialects/index.ts";
import type { DialectName } from "../dialects/types.ts";
import { GatewayError } from "../errors.ts";

/** Anthropic's error shape on `/v1/messages*`, OpenAI's everywhere else (WIRE_FORMATS §2.6, §5.8). */
export const errorDialectForPath = (path: string): DialectName =>
  path.startsWith("/v1/messages") ? "anthropic-messages" : "openai-chat";

export function toGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  return new GatewayError(500, "internal", "internal gateway error", { cause: e });
}

export function errorResponse(err: GatewayError, dialect: DialectName, headers: Headers): Response {
  const { status, body } = dialects[dialect].encodeError(err);
  headers.set("content-type", "application/json");
  if (err.options.retryAfter !== undefined) headers.set("retry-after", String(Math.max(1, Math.ceil(err.options.retryAfter))));
  if (err.options.headers) for (const [k, v] of Object.entries(err.options.headers)) headers.set(k, v);
  return new Response(JSON.stringify(body), { status, headers });
}
