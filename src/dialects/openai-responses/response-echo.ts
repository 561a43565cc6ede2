/**
 * The request's settings a Response object repeats (instructions, tools, reasoning, text format, ...), in OpenAI's
 * key order. Built from the client's decoded request when the gateway has it (EncodeContext.request), else from
 * OpenAI's defaults. Streams serialise it once.
 */
import type { CanonicalRequest } from "../../canonical/model.ts";
import type { Json } from "../shared/json-shape.ts";
import { INCLUDE_ENCRYPTED_REASONING } from "./schema.ts";
import { clientTools, encodeToolChoice } from "./tools.ts";

export interface EchoFields {
  /** Fields between `incomplete_details` and `model`. */
  before: Json;
  /** Fields between `output` and `usage`. */
  after: Json;
  /** Fields after `usage`. */
  tail: Json;
}

export function responseEcho(req: CanonicalRequest | undefined): EchoFields {
  const x = req?.extra ?? {};
  const rf = req?.responseFormat;
  let format: Json = { type: "text" };
  if (rf?.type === "json_schema") {
    format = { type: "json_schema", name: rf.name ?? "response" };
    if (rf.description !== undefined) format.description = rf.description;
    if (rf.schema !== undefined) format.schema = rf.schema;
    format.strict = rf.strict ?? false;
  } else if (rf) format = { type: rf.type };
  const summary = (x.reasoning as Json | undefined)?.summary;
  const tail: Json = {};
  if (req?.sessionKey !== undefined) tail.user = req.sessionKey;
  tail.metadata = req?.metadata ?? {};
  return {
    before: {
      instructions: req?.system?.length ? req.system.map((b) => b.text).join("\n\n") : null,
      max_output_tokens: req?.maxTokens ?? null,
    },
    after: {
      parallel_tool_calls: req?.parallelToolCalls ?? true,
      previous_response_id: req?.previousResponseId ?? null,
      reasoning: { effort: req?.reasoningEffort ?? null, summary: typeof summary === "string" ? summary : req?.includeThoughts ? "auto" : null },
      store: req?.store ?? true,
      temperature: req?.temperature ?? 1,
      text: { format, ...(x.text as Json | undefined) },
      tool_choice: req?.toolChoice ? encodeToolChoice(req.toolChoice, req.tools) : (x.tool_choice ?? "auto"),
      tools: req ? clientTools(req) : [],
      top_p: req?.topP ?? 1,
      truncation: x.truncation ?? "disabled",
    },
    tail,
  };
}

/** How reasoning is shown to the client: summaries only when it asked (as OpenAI does), state when included. */
export function reasoningOutput(req: CanonicalRequest | undefined): { summary: boolean; encrypted: boolean } {
  return {
    summary: req === undefined || req.includeThoughts === true,
    encrypted: req?.include?.includes(INCLUDE_ENCRYPTED_REASONING) === true,
  };
}
