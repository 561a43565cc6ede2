/**
 * Stop / finish reason mapping (WIRE_FORMATS.md §8.6). Each dialect value has its own canonical
 * value so that same-dialect round trips are exact; cross-dialect mapping happens here only.
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
  // §8.6: content_filter -> refusal is the semantically correct one.
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
 * `hasToolCalls`: §8.6 edge — some servers say `stop` although the output holds tool calls, and
 * Anthropic clients only run tools on `tool_use`. Null (stream ended without a reason) -> end_turn.
 */
export function stopReasonToAnthropic(r: StopReason | null, hasToolCalls = false): string {
  if (hasToolCalls && (r === null || r === "stop")) return "tool_use";
  return r === null ? "end_turn" : TO_ANTHROPIC[r];
}

/** Legacy Completions has no tool calls: `tool_calls` cannot occur there (§10.2), `stop` is used. */
export function stopReasonToOpenAI(r: StopReason | null, hasToolCalls = false): string {
  if (hasToolCalls && (r === null || r === "stop")) return "tool_calls";
  return r === null ? "stop" : TO_OPENAI[r];
}

export function stopReasonToCompletions(r: StopReason | null): string {
  const v = stopReasonToOpenAI(r);
  return v === "tool_calls" || v === "function_call" ? "stop" : v;
}
