/**
 * TypeBox schema of an OpenAI Responses request body (`POST /v1/responses`). Lenient like the other dialects:
 * unknown fields pass through to a Responses upstream, and input items, parts and tools are checked by the
 * decoder with precise paths (`input[3].content[0].image_url`).
 */
import { Type, type Static } from "@sinclair/typebox";

const Obj = Type.Object({}, { additionalProperties: true });
const Typed = Type.Object({ type: Type.String() }, { additionalProperties: true });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

export const ResponsesRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(Obj)])),
    instructions: Nullable(Type.String()),
    max_output_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    tools: Type.Optional(Type.Array(Typed)),
    tool_choice: Type.Optional(Type.Union([Type.String(), Typed])),
    parallel_tool_calls: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    text: Type.Optional(Type.Union([Obj, Type.Null()])),
    reasoning: Type.Optional(Type.Union([Obj, Type.Null()])),
    metadata: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    user: Type.Optional(Type.String()),
    store: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    include: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    previous_response_id: Nullable(Type.String()),
    prompt_cache_key: Nullable(Type.String()),
  },
  { additionalProperties: true },
);
export type ResponsesRequest = Static<typeof ResponsesRequestSchema>;

/** The `include` value asking for reasoning state the client can send back (stateless use, `store: false`). */
export const INCLUDE_ENCRYPTED_REASONING = "reasoning.encrypted_content";
