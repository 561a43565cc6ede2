/** The OpenAI Responses dialect (`POST /v1/responses`). */
import type { Dialect } from "../types.ts";
import { decodeUpstreamError } from "../shared/upstream-error.ts";
import { decodeResponsesRequest } from "./decode-request.ts";
import { encodeResponsesRequest } from "./encode-request.ts";
import { decodeResponsesResponse, encodeResponsesResponse } from "./response.ts";
import { createResponsesStreamDecoder } from "./decode-stream.ts";
import { createResponsesStreamEncoder } from "./encode-stream.ts";
import { encodeResponsesError, encodeResponsesStreamError } from "./errors.ts";

export function createOpenAIResponsesDialect(): Dialect {
  return {
    name: "openai-responses",
    decodeRequest: decodeResponsesRequest,
    encodeRequest: encodeResponsesRequest,
    decodeResponse: decodeResponsesResponse,
    encodeResponse: encodeResponsesResponse,
    streamDecoder: createResponsesStreamDecoder,
    streamEncoder: createResponsesStreamEncoder,
    encodeError: encodeResponsesError,
    encodeStreamError: encodeResponsesStreamError,
    decodeError: decodeUpstreamError,
  };
}
