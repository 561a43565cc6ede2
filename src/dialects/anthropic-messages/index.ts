/** The Anthropic Messages dialect (`POST /v1/messages`). */
import type { Dialect } from "../types.ts";
import { decodeUpstreamError } from "../shared/upstream-error.ts";
import { decodeAnthropicRequest } from "./decode-request.ts";
import { encodeAnthropicRequest } from "./encode-request.ts";
import { decodeAnthropicResponse, encodeAnthropicResponse } from "./response.ts";
import { createAnthropicStreamDecoder } from "./decode-stream.ts";
import { createAnthropicStreamEncoder } from "./encode-stream.ts";
import { encodeAnthropicError, encodeAnthropicStreamError } from "./errors.ts";

export function createAnthropicMessagesDialect(): Dialect {
  return {
    name: "anthropic-messages",
    decodeRequest: decodeAnthropicRequest,
    encodeRequest: encodeAnthropicRequest,
    decodeResponse: decodeAnthropicResponse,
    encodeResponse: encodeAnthropicResponse,
    streamDecoder: createAnthropicStreamDecoder,
    streamEncoder: createAnthropicStreamEncoder,
    encodeError: encodeAnthropicError,
    encodeStreamError: encodeAnthropicStreamError,
    decodeError: decodeUpstreamError,
  };
}
