/**
 * Canonical stream events -> legacy Completions SSE for the client (src/dialects/README.md "Legacy Completions"): `text_completion` chunks
 * with `choices[].text`, no role chunk, a usage chunk (`choices: []`) when include_usage, `[DONE]` last.
 */
import type { CanonicalStreamEvent } from "../../canonical/stream-events.ts";
import type { Usage } from "../../canonical/model.ts";
import { stopReasonToCompletions } from "../../canonical/map-finish-reason.ts";
import { usageToCompletions } from "../../canonical/map-usage.ts";
import type { EncodeContext, StreamEncoder } from "../types.ts";
import { encodeOpenAIStreamError } from "../openai-chat/errors.ts";
import { newCompletionId } from "./response.ts";

export function createCompletionsStreamEncoder(ctx: EncodeContext): StreamEncoder {
  let prefix = "";
  let started = false;
  let finished = false;
  let ended = false;
  let usage: Usage | undefined;
  const start = (id: string, created?: number) => {
    started = true;
    const cid = id ? (id.startsWith("cmpl") ? id : `cmpl-${id}`) : (ctx.id ?? newCompletionId());
    prefix = `{"id":${JSON.stringify(cid)},"object":"text_completion","created":${created ?? ctx.created ?? Math.floor(Date.now() / 1000)},"model":${JSON.stringify(ctx.model)},`;
  };
  const chunk = (text: string, finish: string | null) =>
    `data: ${prefix}"choices":[{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":${finish === null ? "null" : JSON.stringify(finish)}}]}\n\n`;
  return {
    push(e: CanonicalStreamEvent): string {
      if (ended) return "";
      switch (e.type) {
        case "start":
          if (!started) start(e.id, e.created);
          return "";
        case "block_start":
          if (!started) start("");
          return e.block.type === "text" && e.block.text ? chunk(e.block.text, null) : "";
        case "text_delta":
          return e.text ? chunk(e.text, null) : "";
        case "finish":
          if (finished) return "";
          if (!started) start("");
          finished = true;
          return chunk("", stopReasonToCompletions(e.stopReason));
        case "usage":
          usage = e.usage;
          return "";
        case "end": {
          ended = true;
          if (!started) start("");
          let s = finished ? "" : chunk("", "stop");
          if (ctx.includeUsage) s += `data: ${prefix}"choices":[],"usage":${JSON.stringify(usageToCompletions(usage ?? { inputTokens: 0, outputTokens: 0 }))}}\n\n`;
          return s + "data: [DONE]\n\n";
        }
        case "error":
          ended = true;
          return encodeOpenAIStreamError(e.error);
        default:
          // Thinking, tool calls and pings have no legacy completions form.
          return "";
      }
    },
  };
}
