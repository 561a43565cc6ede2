/** The OpenAI Chat Completions dialect (`POST /v1/chat/completions`). */
import type { Dialect } from "../types.ts";
import { decodeUpstreamError } from "../shared/upstream-error.ts";
import { decodeOpenAIChatRequest } from "./decode-request.ts";
import { encodeOpenAIChatRequest } from "./encode-request.ts";
import { decodeOpenAIChatResponse, encodeOpenAIChatResponse } from "./response.ts";
import { createOpenAIChatStreamDecoder } from "./decode-stream.ts";
import { createOpenAIChatStreamEncoder } from "./encode-stream.ts";
import { encodeOpenAIError, encodeOpenAIStreamError } from "./errors.ts";

export function createOpenAIChatDialect(): Dialect {
  return {
    name: "openai-chat",
    decodeRequest: decodeOpenAIChatRequest,
    encodeRequest: encodeOpenAIChatRequest,
    decodeResponse: decodeOpenAIChatResponse,
    encodeResponse: encodeOpenAIChatResponse,
    streamDecoder: createOpenAIChatStreamDecoder,
    streamEncoder: createOpenAIChatStreamEncoder,
    encodeError: encodeOpenAIError,
    encodeStreamError: encodeOpenAIStreamError,
    decodeError: decodeUpstreamError,
  };
}
