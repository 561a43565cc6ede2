/** Test support: parses SSE text back into events and checks the Anthropic / OpenAI stream invariants. */
import { createSseParser, type SseEvent } from "../../transport/sse-parser.ts";

export function sseEvents(text: string): SseEvent[] {
  const p = createSseParser();
  return [...p.push(text), ...p.end()];
}

export const dataJson = (text: string) => sseEvents(text).map((e) => (e.data === "[DONE]" ? "[DONE]" : JSON.parse(e.data)));

/** What Anthropic clients rely on in a stream (src/dialects/README.md "Anthropic Messages"); the first violation, or undefined. */
export function anthropicViolation(text: string): string | undefined {
  const evs = sseEvents(text);
  if (evs.some((e) => e.data === "[DONE]")) return "[DONE] sent to an Anthropic client";
  const types = evs.map((e) => JSON.parse(e.data).type as string);
  if (types[0] !== "message_start") return "message_start is not first";
  if (types.filter((t) => t === "message_start").length !== 1) return "message_start not exactly once";
  const errored = types.includes("error");
  if (!errored && types[types.length - 1] !== "message_stop") return "message_stop is not last";
  if (!errored && types.filter((t) => t === "message_delta").length !== 1) return "message_delta not exactly once";
  let next = 0;
  let open = -1;
  let openType = "";
  for (const e of evs) {
    const d = JSON.parse(e.data);
    if (e.event !== d.type) return `event name ${e.event} != data.type ${d.type}`;
    if (d.type === "content_block_start") {
      if (open !== -1) return `block ${d.index} started while ${open} open`;
      if (d.index !== next) return `block index ${d.index}, expected ${next}`;
      open = next++;
      openType = d.content_block.type;
    } else if (d.type === "content_block_delta") {
      if (d.index !== open) return `delta for block ${d.index} while ${open} open`;
      const ok: Record<string, string[]> = { text: ["text_delta", "citations_delta"], tool_use: ["input_json_delta"], thinking: ["thinking_delta", "signature_delta"] };
      if (!ok[openType]?.includes(d.delta.type)) return `${d.delta.type} on a ${openType} block`;
    } else if (d.type === "content_block_stop") {
      if (d.index !== open) return `stop for block ${d.index} while ${open} open`;
      open = -1;
    } else if (d.type === "message_delta") {
      if (open !== -1) return "message_delta with a block open";
      if (typeof d.usage?.output_tokens !== "number" || typeof d.usage?.input_tokens !== "number") return "message_delta without numeric usage";
    }
  }
  if (open !== -1 && !errored) return "a block was never stopped";
  return undefined;
}

/** What OpenAI clients rely on in a stream (src/dialects/README.md "OpenAI Chat Completions"); the first violation, or undefined. */
export function openAIViolation(text: string, includeUsage: boolean): string | undefined {
  const data = dataJson(text);
  if (data[data.length - 1] !== "[DONE]") return "[DONE] is not last";
  if (data.filter((d) => d === "[DONE]").length !== 1) return "[DONE] not exactly once";
  const chunks = data.slice(0, -1) as Record<string, any>[];
  if (chunks[0]?.choices?.[0]?.delta?.role !== "assistant") return "role chunk is not first";
  const ids = new Set(chunks.map((c) => `${c.id}|${c.created}|${c.model}`));
  if (ids.size !== 1) return "id/created/model differ between chunks";
  const finishes = chunks.filter((c) => c.choices?.[0]?.finish_reason != null);
  if (finishes.length !== 1) return `${finishes.length} finish chunks`;
  const usageChunks = chunks.filter((c) => c.usage);
  if (includeUsage && (usageChunks.length !== 1 || usageChunks[0]!.choices.length !== 0 || chunks[chunks.length - 1] !== usageChunks[0])) return "usage chunk missing or misplaced";
  if (!includeUsage && usageChunks.length) return "usage sent without include_usage";
  return undefined;
}
