/**
 * TypeBox schemas of Anthropic Messages bodies (src/dialects/README.md "Anthropic Messages"). Deliberately
 * lenient (additional properties allowed, block details checked by the decoder with precise paths): newer API
 * features must not be refused; those without an OpenAI meaning are reported as dropped.
 */
import { Type, type Static } from "@sinclair/typebox";

const Block = Type.Object({ type: Type.String() }, { additionalProperties: true });

export const AnthropicMessageSchema = Type.Object(
  {
    role: Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system")]),
    content: Type.Union([Type.String(), Type.Array(Block)]),
  },
  { additionalProperties: true },
);

export const AnthropicToolSchema = Type.Object({ name: Type.String() }, { additionalProperties: true });

export const AnthropicRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    max_tokens: Type.Optional(Type.Integer({ minimum: 0 })),
    messages: Type.Array(AnthropicMessageSchema),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(Block)])),
    stop_sequences: Type.Optional(Type.Array(Type.String())),
    temperature: Type.Optional(Type.Number()),
    top_p: Type.Optional(Type.Number()),
    top_k: Type.Optional(Type.Number()),
    stream: Type.Optional(Type.Boolean()),
    metadata: Type.Optional(
      Type.Object({ user_id: Type.Optional(Type.Union([Type.String(), Type.Null()])) }, { additionalProperties: true }),
    ),
    tools: Type.Optional(Type.Array(AnthropicToolSchema)),
    tool_choice: Type.Optional(
      Type.Object(
        {
          type: Type.String(),
          name: Type.Optional(Type.String()),
          disable_parallel_tool_use: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: true },
      ),
    ),
    thinking: Type.Optional(
      Type.Object(
        { type: Type.String(), budget_tokens: Type.Optional(Type.Integer()), display: Type.Optional(Type.String()) },
        { additionalProperties: true },
      ),
    ),
    output_config: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);
export type AnthropicRequest = Static<typeof AnthropicRequestSchema>;
