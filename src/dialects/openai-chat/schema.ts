/**
 * TypeBox schemas of OpenAI Chat Completions request bodies (src/dialects/README.md "OpenAI Chat Completions").
 * Lenient: additional properties are allowed (newer API fields must not be refused; those without a meaning
 * in the upstream's dialect are reported as dropped); part details are checked by the decoder with precise paths.
 */
import { Type, type Static } from "@sinclair/typebox";

const Part = Type.Object({ type: Type.String() }, { additionalProperties: true });
const Content = Type.Union([Type.String(), Type.Array(Part)]);

export const OpenAIMessageSchema = Type.Object(
  {
    role: Type.Union([
      Type.Literal("system"), Type.Literal("developer"), Type.Literal("user"),
      Type.Literal("assistant"), Type.Literal("tool"), Type.Literal("function"),
    ]),
    content: Type.Optional(Type.Union([Content, Type.Null()])),
    tool_call_id: Type.Optional(Type.String()),
    tool_calls: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String(),
            type: Type.Optional(Type.String()),
            function: Type.Optional(Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: true })),
          },
          { additionalProperties: true },
        ),
      ),
    ),
  },
  { additionalProperties: true },
);

export const OpenAIToolSchema = Type.Object(
  {
    type: Type.String(),
    function: Type.Optional(
      Type.Object(
        { name: Type.String(), description: Type.Optional(Type.String()), parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())), strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])) },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

export const OpenAIChatRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    messages: Type.Array(OpenAIMessageSchema),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String()), Type.Null()])),
    seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    user: Type.Optional(Type.String()),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }), Type.Null()])),
    tools: Type.Optional(Type.Array(OpenAIToolSchema)),
    tool_choice: Type.Optional(
      Type.Union([Type.String(), Type.Object({ type: Type.String() }, { additionalProperties: true })]),
    ),
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    response_format: Type.Optional(Type.Object({ type: Type.String() }, { additionalProperties: true })),
    reasoning_effort: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: true },
);
export type OpenAIChatRequest = Static<typeof OpenAIChatRequestSchema>;
