/**
 * TypeBox schema of Gemini `generateContent` request bodies (src/dialects/README.md "Gemini"). Lenient: unknown
 * fields are allowed (newer API fields must not be refused; those without a meaning elsewhere are reported as
 * dropped). Gemini takes proto3 JSON, so every field may also come in snake_case (`system_instruction`); the
 * schema checks the camelCase spelling and the decoder reads both (`field()`).
 */
import { Type, type Static } from "@sinclair/typebox";

const Obj = (props: Parameters<typeof Type.Object>[0] = {}) => Type.Object(props, { additionalProperties: true });

export const GeminiPartSchema = Obj({
  text: Type.Optional(Type.String()),
  thought: Type.Optional(Type.Boolean()),
  thoughtSignature: Type.Optional(Type.String()),
  inlineData: Type.Optional(Obj({ mimeType: Type.Optional(Type.String()), data: Type.String() })),
  fileData: Type.Optional(Obj({ mimeType: Type.Optional(Type.String()), fileUri: Type.String() })),
  functionCall: Type.Optional(Obj({ name: Type.String(), id: Type.Optional(Type.String()) })),
  functionResponse: Type.Optional(Obj({ name: Type.String(), id: Type.Optional(Type.String()) })),
});

export const GeminiContentSchema = Obj({
  role: Type.Optional(Type.String()),
  parts: Type.Optional(Type.Array(GeminiPartSchema)),
});

export const GeminiRequestSchema = Obj({
  contents: Type.Optional(Type.Array(GeminiContentSchema)),
  systemInstruction: Type.Optional(Type.Union([GeminiContentSchema, Type.String()])),
  tools: Type.Optional(Type.Array(Obj())),
  toolConfig: Type.Optional(Obj()),
  generationConfig: Type.Optional(
    Obj({
      temperature: Type.Optional(Type.Number()),
      topP: Type.Optional(Type.Number()),
      topK: Type.Optional(Type.Number()),
      maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
      candidateCount: Type.Optional(Type.Integer({ minimum: 1 })),
      stopSequences: Type.Optional(Type.Array(Type.String())),
      responseMimeType: Type.Optional(Type.String()),
      thinkingConfig: Type.Optional(Obj()),
    }),
  ),
  safetySettings: Type.Optional(Type.Array(Obj())),
  cachedContent: Type.Optional(Type.String()),
});
export type GeminiRequest = Static<typeof GeminiRequestSchema>;
