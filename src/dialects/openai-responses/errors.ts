/**
 * Responses error shapes. A failed request is OpenAI's usual `{"error": {...}}` with its status. In a stream,
 * a failure is an `error` event (the SDK raises it as an APIError) then `response.failed`, whose `error.code`
 * Codex reads to decide between retrying and giving up. The stream encoder writes these with the stream's own
 * response id and sequence numbers; this stateless form is for failures outside it.
 */
import type { GatewayError } from "../../errors.ts";
import { encodeOpenAIError, openAIErrorTypeAndCode } from "../openai-chat/errors.ts";
import { newResponseId } from "./ids.ts";

export const encodeResponsesError = encodeOpenAIError;

/** `error.code` of a failed response: OpenAI's code when there is one, else its error type. */
export function failureCode(err: GatewayError): string {
  const { type, code } = openAIErrorTypeAndCode(err);
  return code ?? type;
}

/** The `error` event's data after `"type":"error","sequence_number":N,`. */
export function errorEventFields(err: GatewayError): string {
  const { type, code } = openAIErrorTypeAndCode(err);
  return `"code":${JSON.stringify(code ?? type)},"message":${JSON.stringify(err.message)},"param":${JSON.stringify(err.options.param ?? null)}`;
}

export function encodeResponsesStreamError(err: GatewayError): string {
  const response = { id: newResponseId(), object: "response", status: "failed", error: { code: failureCode(err), message: err.message }, incomplete_details: null, output: [] };
  return (
    `event: error\ndata: {"type":"error",${errorEventFields(err)}}\n\n` +
    `event: response.failed\ndata: ${JSON.stringify({ type: "response.failed", response })}\n\n`
  );
}
