/** The legacy OpenAI Completions dialect (`POST /v1/completions`). */
import type { Dialect } from "../types.ts";
import { decodeUpstreamError } from "../shared/upstream-error.ts";
import { encodeOpenAIError, encodeOpenAIStreamError } from "../openai-chat/errors.ts";
import { decodeCompletionsRequest } from "./decode-request.ts";
import { encodeCompletionsRequest } from "./encode-request.ts";
import { decodeCompletionsResponse, encodeCompletionsResponse } from "./response.ts";
import { createCompletionsStreamDecoder } from "./decode-stream.ts";
import { createCompletionsStreamEncoder } from "./encode-stream.ts";

export function createOpenAICompletionsDialect(): Dialect {
  return {
    name: "openai-completions",
    decodeRequest: decodeCompletionsRequest,
    encodeRequest: encodeCompletionsRequest,
    decodeResponse: decodeCompletionsResponse,
    encodeResponse: encodeCompletionsResponse,
    streamDecoder: createCompletionsStreamDecoder,
    streamEncoder: createCompletionsStreamEncoder,
    encodeError: encodeOpenAIError,
    encodeStreamError: encodeOpenAIStreamError,
    decodeError: decodeUpstreamError,
  };
}
