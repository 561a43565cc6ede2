/**
 * Stop / finish reason mapping (src/dialects/README.md "Stop reasons"). Each dialect value has its own canonical
 * value, so the mapping to the other dialect starts from the real reason; it happens here only.
 */
import type { StopReason } from "./model.ts";

const FROM_ANTHROPIC: Record<string, StopReason> = {
  end_turn: "stop",
  stop_sequence: "stop_sequence",
  max_tokens: "length",
  tool_use: "tool_calls",
  pause_turn: "pause",
  refusal: "refusal",
  model_context_window_exceeded: "context_exceeded",
};

const TO_ANTHROPIC: Record<StopReason, string> = {
  stop: "end_turn",
  stop_sequence: "stop_sequence",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  // Other gateways map content_filter to stop_sequence or end_turn; refusal is what it means.
  content_filter: "refusal",
  refusal: "refusal",
  pause: "pause_turn",
  context_exceeded: "model_context_window_exceeded",
};

const FROM_OPENAI: Record<string, StopReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "function_call",
  content_filter: "content_filter",
};

const TO_OPENAI: Record<StopReason, string> = {
  stop: "stop",
  stop_sequence: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "function_call",
  content_filter: "content_filter",
  refusal: "content_filter",
  // An OpenAI client cannot resume a paused server-tool turn; it is a normal end for it.
  pause: "stop",
  context_exceeded: "length",
};

/** Unknown values (newer APIs) fall back to a normal stop rather than breaking strict clients. */
export const stopReasonFromAnthropic = (v: unknown): StopReason | null =>
  typeof v === "string" ? (FROM_ANTHROPIC[v] ?? "stop") : null;

export const stopReasonFromOpenAI = (v: unknown): StopReason | null =>
  typeof v === "string" ? (FROM_OPENAI[v] ?? "stop") : null;

/**
 * `hasToolCalls`: some OpenAI-compatible servers say `stop` although the output holds tool calls, and
 * Anthropic clients only run tools on `tool_use`. Null (stream ended without a reason) -> end_turn.
 */
export function stopReasonToAnthropic(r: StopReason | null, hasToolCalls = false): string {
  if (hasToolCalls && (r === null || r === "stop")) return "tool_use";
  return r === null ? "end_turn" : TO_ANTHROPIC[r];
}

export function stopReasonToOpenAI(r: StopReason | null, hasToolCalls = false): string {
  if (hasToolCalls && (r === null || r === "stop")) return "tool_calls";
  return r === null ? "stop" : TO_OPENAI[r];
}

/** Legacy Completions has no tool calls (none are ever sent for it): `stop` stands in for `tool_calls`. */
export function stopReasonToCompletions(r: StopReason | null): string {
  const v = stopReasonToOpenAI(r);
  return v === "tool_calls" || v === "function_call" ? "stop" : v;
}

// ---- Gemini (src/dialects/README.md "Gemini ↔ canonical ↔ Anthropic / OpenAI Chat", stop reasons) ----
// Gemini has no tool-call reason (a function-calling turn ends with STOP); the encoders of the other dialects make
// it tool_calls / tool_use when the answer holds calls, as they do for OpenAI-compatible servers.
const GEMINI_FILTERED = new Set([
  "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
]);

/**
 * STOP → stop, MAX_TOKENS → length, the safety family → content_filter; MALFORMED_FUNCTION_CALL,
 * UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, OTHER and newer values → stop (the answer ends; what it holds is all
 * there is). Null when there is no reason.
 */
export function stopReasonFromGemini(v: unknown): StopReason | null {
  if (typeof v !== "string" || v === "FINISH_REASON_UNSPECIFIED") return null;
  if (v === "MAX_TOKENS") return "length";
  return GEMINI_FILTERED.has(v) ? "content_filter" : "stop";
}

const TO_GEMINI: Record<StopReason, string> = {
  stop: "STOP",
  stop_sequence: "STOP",
  length: "MAX_TOKENS",
  tool_calls: "STOP",
  function_call: "STOP",
  content_filter: "SAFETY",
  refusal: "SAFETY",
  pause: "STOP",
  context_exceeded: "MAX_TOKENS",
};

/** Null (a stream that ended without a reason) → STOP. */
export const stopReasonToGemini = (r: StopReason | null): string => (r === null ? "STOP" : TO_GEMINI[r]);

/**
 * OpenAI Responses has no finish reason: a `status` and, when incomplete, `incomplete_details.reason`.
 * Function calls in the output make a completed response a tool-call stop. Failed (or still running)
 * responses have no stop reason.
 */
export function stopReasonFromResponses(status: unknown, incompleteReason: unknown, hasToolCalls: boolean): StopReason | null {
  if (status === "completed") return hasToolCalls ? "tool_calls" : "stop";
  if (status === "incomplete") return incompleteReason === "content_filter" ? "content_filter" : "length";
  return null;
}

/** The Responses status of a stop reason; `reason` is `incomplete_details.reason` when incomplete. */
export function stopReasonToResponses(r: StopReason | null): { status: "completed" | "incomplete"; reason?: "max_output_tokens" | "content_filter" } {
  switch (r) {
    case "length":
    case "context_exceeded":
      return { status: "incomplete", reason: "max_output_tokens" };
    case "content_filter":
    case "refusal":
      return { status: "incomplete", reason: "content_filter" };
    default:
      // pause_turn and the normal stops: the answer is complete as far as a Responses client can act on it.
      return { status: "completed" };
  }
}
