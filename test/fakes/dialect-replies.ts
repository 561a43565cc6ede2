/**
 * Scripted upstream answers in any dialect, for client tests whose subject is the client side: a text answer or a
 * tool call, as a JSON body or an SSE stream, written by the dialect's own encoders (whose output the dialect tests
 * check against recorded upstream traffic). Replies for test/fakes/recording-upstream.ts.
 */
import type { CanonicalResponse, DialectName } from "../../src/canonical/model.ts";
import type { CanonicalStreamEvent } from "../../src/canonical/stream-events.ts";
import { createDialects } from "../../src/dialects/index.ts";
import { encodeEvents } from "../../src/dialects/shared/convert-sse-text.ts";
import type { ScriptedReply } from "./recording-upstream.ts";

const d = createDialects();
const usage = { inputTokens: 21, outputTokens: 7 };

export type Answer = { text: string } | { call: { id: string; name: string; args: Record<string, unknown> } };

function response(a: Answer, model: string): CanonicalResponse {
  if ("text" in a) return { id: "resp_1", model, content: [{ type: "text", text: a.text }], stopReason: "stop", usage };
  return { id: "resp_1", model, content: [{ type: "tool_call", id: a.call.id, name: a.call.name, arguments: JSON.stringify(a.call.args) }], stopReason: "tool_calls", usage };
}

function events(a: Answer, model: string): CanonicalStreamEvent[] {
  const body: CanonicalStreamEvent[] =
    "text" in a
      ? [
          { type: "block_start", index: 0, block: { type: "text" } },
          // Two deltas, so clients see a stream of more than one piece.
          { type: "text_delta", index: 0, text: a.text.slice(0, Math.ceil(a.text.length / 2)) },
          { type: "text_delta", index: 0, text: a.text.slice(Math.ceil(a.text.length / 2)) },
          { type: "block_stop", index: 0 },
        ]
      : [
          { type: "block_start", index: 0, block: { type: "tool_call", id: a.call.id, name: a.call.name } },
          { type: "tool_args_delta", index: 0, json: JSON.stringify(a.call.args) },
          { type: "block_stop", index: 0 },
        ];
  return [
    { type: "start", id: "resp_1", model, created: 1 },
    ...body,
    { type: "finish", stopReason: "text" in a ? "stop" : "tool_calls" },
    { type: "usage", usage },
    { type: "end" },
  ];
}

/** The answer as `dialect`'s upstream would send it: SSE when `stream`, else JSON. */
export function upstreamReply(dialect: DialectName, a: Answer, stream: boolean, model = "upstream-model"): ScriptedReply {
  if (!stream) return { json: d[dialect].encodeResponse(response(a, model), { model, created: 1 }) };
  return { sse: encodeEvents(d[dialect].streamEncoder({ model, includeUsage: true, created: 1 }), events(a, model)) };
}
