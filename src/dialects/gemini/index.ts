/** The Gemini dialect (`POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`). */
import type { Dialect } from "../types.ts";
import { decodeGeminiRequest } from "./decode-request.ts";
import { encodeGeminiRequest } from "./encode-request.ts";
import { decodeGeminiResponse, encodeGeminiResponse } from "./response.ts";
import { createGeminiStreamDecoder } from "./decode-stream.ts";
import { createGeminiStreamEncoder } from "./encode-stream.ts";
import { decodeGeminiError, encodeGeminiError, encodeGeminiStreamError } from "./errors.ts";

export function createGeminiDialect(): Dialect {
  return {
    name: "gemini",
    decodeRequest: decodeGeminiRequest,
    encodeRequest: encodeGeminiRequest,
    decodeResponse: decodeGeminiResponse,
    encodeResponse: encodeGeminiResponse,
    streamDecoder: createGeminiStreamDecoder,
    streamEncoder: createGeminiStreamEncoder,
    encodeError: encodeGeminiError,
    encodeStreamError: (err) => encodeGeminiStreamError(err),
    decodeError: decodeGeminiError,
  };
}
