/** TypeBox schema of legacy OpenAI Completions request bodies (src/dialects/README.md "Legacy Completions"). Lenient, like the others. */
import { Type, type Static } from "@sinclair/typebox";

export const OpenAICompletionsRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    prompt: Type.Union([
      Type.String(),
      Type.Array(Type.String()),
      Type.Array(Type.Integer()),
      Type.Array(Type.Array(Type.Integer())),
    ]),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String()), Type.Null()])),
    seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    user: Type.Optional(Type.String()),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }), Type.Null()])),
    logprobs: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 5 }), Type.Null()])),
    echo: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    suffix: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    best_of: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: true },
);
export type OpenAICompletionsRequest = Static<typeof OpenAICompletionsRequestSchema>;
