import type { Usage } from "../canonical/model.ts";
import { usageFromAnthropic, usageFromGemini, usageFromOpenAI, usageFromResponses } from "../canonical/map-usage.ts";
import type { DialectName, SseEvent } from "../dialects/types.ts";

/**
 * Token usage read off an upstream's own wire format, for accounting. It reads only what is there: an OpenAI stream
 * has usage only when asked (the gateway asks, src/gateway/stream-usage.ts, except of an account with
 * `stream_usage: false`).
 */
export function usageFromBody(dialect: DialectName, body: Record<string, unknown>): Usage | undefined {
  if (dialect === "gemini") return body.usageMetadata && typeof body.usageMetadata === "object" ? usageFromGemini(body.usageMetadata) : undefined;
  if (body.usage === undefined || body.usage === null) return undefined;
  if (dialect === "openai-responses") return usageFromResponses(body.usage);
  return dialect === "anthropic-messages" ? usageFromAnthropic(body.usage) : usageFromOpenAI(body.usage);
}

const hasUsage = (data: string) => data.includes('"usage"');

/**
 * Usage from a stream's first events and its tail. Anthropic: `message_start` carries the input side and
 * `message_delta` the (cumulative) output; OpenAI: the `choices: []` usage chunk near the end; OpenAI Responses: the
 * terminal event's response. Only events that
 * mention usage are parsed.
 */
export function usageFromEvents(dialect: DialectName, head: SseEvent[], tail: SseEvent[]): Usage | undefined {
  if (dialect === "anthropic-messages") {
    let usage: Usage | undefined;
    for (const ev of [...head, ...tail]) {
      if ((ev.event !== "message_start" && ev.event !== "message_delta") || !hasUsage(ev.data)) continue;
      const data = parse(ev.data);
      const raw = ev.event === "message_start" ? (data?.message as Record<string, unknown> | undefined)?.usage : data?.usage;
      if (!raw || typeof raw !== "object") continue;
      const next = usageFromAnthropic(raw);
      // message_delta counts output cumulatively and (newer API versions) repeats the input side.
      usage = usage ? { ...usage, outputTokens: next.outputTokens, ...(next.inputTokens ? { inputTokens: next.inputTokens } : {}) } : next;
    }
    return usage;
  }
  if (dialect === "gemini") {
    // Every chunk may carry usageMetadata; the last one holds the final counts.
    for (let i = tail.length - 1; i >= 0; i--) {
      const ev = tail[i]!;
      if (!ev.data.includes('"usageMetadata"')) continue;
      const u = parse(ev.data)?.usageMetadata;
      if (u && typeof u === "object") return usageFromGemini(u);
    }
    return undefined;
  }
  if (dialect === "openai-responses") {
    // The terminal event (response.completed / .incomplete / .failed) carries the response with its usage.
    for (let i = tail.length - 1; i >= 0; i--) {
      const ev = tail[i]!;
      if (!hasUsage(ev.data)) continue;
      const usage = (parse(ev.data)?.response as Record<string, unknown> | undefined)?.usage;
      if (usage && typeof usage === "object") return usageFromResponses(usage);
    }
    return undefined;
  }
  for (let i = tail.length - 1; i >= 0; i--) {
    const ev = tail[i]!;
    if (!hasUsage(ev.data)) continue;
    const usage = parse(ev.data)?.usage;
    if (usage && typeof usage === "object") return usageFromOpenAI(usage);
  }
  return undefined;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}
