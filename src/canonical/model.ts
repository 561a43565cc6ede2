/**
 * The canonical model: one lossless superset of the client/upstream dialects (WIRE_FORMATS.md §10).
 * Every dialect decodes into it and encodes from it. The schema is the type (house rule 3);
 * the schemas are also used by tests to check that decoders only produce valid canonical data.
 *
 * Lossless round trips (A -> canonical -> A) rely on three devices:
 *  - `origin`: the dialect a request/response was decoded from. Encoders of the same dialect are
 *    faithful (they re-emit what came in); encoders of another dialect apply the cross-dialect
 *    fixes of WIRE_FORMATS.md §8 (clamping, dropping, merging).
 *  - `extra`: fields of the origin dialect with no canonical meaning. Only the encoder of the
 *    origin dialect writes them back; other encoders drop them (the reason: they mean nothing there).
 *  - wire-form hints (`contentForm`, `stopForm`, `maxTokensField`, ...): how a value was spelled
 *    when a dialect has several spellings for the same meaning.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

export const DialectNameSchema = Type.Union([
  Type.Literal("openai-chat"),
  Type.Literal("openai-completions"),
  Type.Literal("anthropic-messages"),
]);
export type DialectName = Static<typeof DialectNameSchema>;

const Extra = Type.Optional(Type.Record(Type.String(), Type.Unknown()));

/** Anthropic prompt-cache breakpoint (§5.5); also accepted on OpenAI parts (non-standard, §8.2 step 8). */
export const CacheControlSchema = Type.Object(
  { type: Type.String(), ttl: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
export type CacheControl = Static<typeof CacheControlSchema>;
const CC = Type.Optional(CacheControlSchema);

export const MediaSourceSchema = Type.Union([
  Type.Object({ type: Type.Literal("url"), url: Type.String() }),
  Type.Object({ type: Type.Literal("base64"), mediaType: Type.String(), data: Type.String() }),
  Type.Object({ type: Type.Literal("file"), fileId: Type.String() }),
  /** Anthropic document `text` source. */
  Type.Object({ type: Type.Literal("text"), mediaType: Type.String(), data: Type.String() }),
  /** Anthropic document `content` source (blocks kept as sent). */
  Type.Object({ type: Type.Literal("content"), content: Type.Unknown() }),
]);
export type MediaSource = Static<typeof MediaSourceSchema>;

export const TextBlockSchema = Type.Object({
  type: Type.Literal("text"),
  text: Type.String(),
  cacheControl: CC,
  extra: Extra,
});
export const ImageBlockSchema = Type.Object({
  type: Type.Literal("image"),
  source: MediaSourceSchema,
  /** OpenAI `image_url.detail`; no equivalent elsewhere (dropped towards Anthropic). */
  detail: Type.Optional(Type.String()),
  cacheControl: CC,
  extra: Extra,
});
export const DocumentBlockSchema = Type.Object({
  type: Type.Literal("document"),
  source: MediaSourceSchema,
  /** OpenAI `file.filename`. */
  filename: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  context: Type.Optional(Type.String()),
  cacheControl: CC,
  extra: Extra,
});
export const AudioBlockSchema = Type.Object({
  type: Type.Literal("audio"),
  data: Type.String(),
  format: Type.String(),
  extra: Extra,
});
/** A block of a dialect the canonical model does not model (server tools, search results...). Same-dialect only. */
export const RawBlockSchema = Type.Object({
  type: Type.Literal("raw"),
  dialect: DialectNameSchema,
  value: Type.Unknown(),
});
export const RefusalBlockSchema = Type.Object({ type: Type.Literal("refusal"), text: Type.String(), extra: Extra });
export const ThinkingBlockSchema = Type.Object({
  type: Type.Literal("thinking"),
  text: Type.String(),
  /** Anthropic signature; must be sent back unmodified (§5.3). Absent when the source had none. */
  signature: Type.Optional(Type.String()),
  extra: Extra,
});
export const RedactedThinkingBlockSchema = Type.Object({
  type: Type.Literal("redacted_thinking"),
  data: Type.String(),
  extra: Extra,
});
export const ToolCallBlockSchema = Type.Object({
  type: Type.Literal("tool_call"),
  id: Type.String(),
  name: Type.String(),
  /** JSON text (OpenAI's spelling). Anthropic `input` objects are stringified once at decode. */
  arguments: Type.String(),
  cacheControl: CC,
  extra: Extra,
});

export const ToolResultContentBlockSchema = Type.Union([
  TextBlockSchema,
  ImageBlockSchema,
  DocumentBlockSchema,
  RawBlockSchema,
]);
export type ToolResultContentBlock = Static<typeof ToolResultContentBlockSchema>;

export const ToolResultBlockSchema = Type.Object({
  type: Type.Literal("tool_result"),
  toolCallId: Type.String(),
  content: Type.Array(ToolResultContentBlockSchema),
  /** The wire content was a plain string (then `content` holds at most one text block). */
  contentString: Type.Optional(Type.Boolean()),
  isError: Type.Optional(Type.Boolean()),
  cacheControl: CC,
  extra: Extra,
});

export const BlockSchema = Type.Union([
  TextBlockSchema,
  ImageBlockSchema,
  DocumentBlockSchema,
  AudioBlockSchema,
  RefusalBlockSchema,
  ThinkingBlockSchema,
  RedactedThinkingBlockSchema,
  ToolCallBlockSchema,
  ToolResultBlockSchema,
  RawBlockSchema,
]);
export type Block = Static<typeof BlockSchema>;
export type TextBlock = Static<typeof TextBlockSchema>;
export type ImageBlock = Static<typeof ImageBlockSchema>;
export type DocumentBlock = Static<typeof DocumentBlockSchema>;
export type ThinkingBlock = Static<typeof ThinkingBlockSchema>;
export type ToolCallBlock = Static<typeof ToolCallBlockSchema>;
export type ToolResultBlock = Static<typeof ToolResultBlockSchema>;
export type RawBlock = Static<typeof RawBlockSchema>;

/**
 * How `content` was spelled on the wire: an array (default), a plain string (then at most one
 * text block, or none for ""), `null`, or absent.
 */
export const ContentFormSchema = Type.Union([
  Type.Literal("parts"),
  Type.Literal("string"),
  Type.Literal("null"),
  Type.Literal("absent"),
]);
export type ContentForm = Static<typeof ContentFormSchema>;

/**
 * Roles: `system`/`developer` messages keep their position (OpenAI; Claude Code's mid-conversation
 * system messages). `tool` messages hold exactly one tool_result block (OpenAI); Anthropic puts
 * tool_result blocks in `user` messages instead. Both spellings are canonical; encoders convert.
 */
export const MessageSchema = Type.Object({
  role: Type.Union([
    Type.Literal("system"),
    Type.Literal("developer"),
    Type.Literal("user"),
    Type.Literal("assistant"),
    Type.Literal("tool"),
  ]),
  content: Type.Array(BlockSchema),
  contentForm: Type.Optional(ContentFormSchema),
  extra: Extra,
});
export type Message = Static<typeof MessageSchema>;
export type Role = Message["role"];

export const ToolSchema = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  /** JSON Schema of the arguments; absent when the client sent none (Anthropic gets an empty object schema). */
  inputSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  strict: Type.Optional(Type.Boolean()),
  cacheControl: CC,
  extra: Extra,
});
export type Tool = Static<typeof ToolSchema>;

export const ToolChoiceSchema = Type.Union([
  Type.Object({ type: Type.Literal("auto") }),
  Type.Object({ type: Type.Literal("none") }),
  /** OpenAI `required` = Anthropic `any`. */
  Type.Object({ type: Type.Literal("required") }),
  Type.Object({ type: Type.Literal("tool"), name: Type.String() }),
]);
export type ToolChoice = Static<typeof ToolChoiceSchema>;

export const ResponseFormatSchema = Type.Union([
  Type.Object({ type: Type.Literal("text") }),
  Type.Object({ type: Type.Literal("json_object") }),
  Type.Object({
    type: Type.Literal("json_schema"),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strict: Type.Optional(Type.Boolean()),
  }),
]);
export type ResponseFormat = Static<typeof ResponseFormatSchema>;

export const ThinkingConfigSchema = Type.Union([
  Type.Object({ type: Type.Literal("enabled"), budgetTokens: Type.Number(), display: Type.Optional(Type.String()) }),
  Type.Object({ type: Type.Literal("disabled") }),
  Type.Object({ type: Type.Literal("adaptive"), display: Type.Optional(Type.String()) }),
]);
export type ThinkingConfig = Static<typeof ThinkingConfigSchema>;

export const RequestSchema = Type.Object({
  origin: Type.Optional(DialectNameSchema),
  model: Type.String(),
  stream: Type.Boolean(),
  /** Anthropic top-level `system` (OpenAI keeps system messages in `messages`). */
  system: Type.Optional(Type.Array(TextBlockSchema)),
  /** `system` was a plain string on the wire. */
  systemString: Type.Optional(Type.Boolean()),
  messages: Type.Array(MessageSchema),
  maxTokens: Type.Optional(Type.Number()),
  /** Which OpenAI field carried `maxTokens`. */
  maxTokensField: Type.Optional(Type.Union([Type.Literal("max_tokens"), Type.Literal("max_completion_tokens")])),
  temperature: Type.Optional(Type.Number()),
  topP: Type.Optional(Type.Number()),
  topK: Type.Optional(Type.Number()),
  n: Type.Optional(Type.Number()),
  seed: Type.Optional(Type.Number()),
  stop: Type.Optional(Type.Array(Type.String())),
  /** OpenAI `stop` was a single string (still valid, §8.1). */
  stopString: Type.Optional(Type.Boolean()),
  presencePenalty: Type.Optional(Type.Number()),
  frequencyPenalty: Type.Optional(Type.Number()),
  logitBias: Type.Optional(Type.Record(Type.String(), Type.Number())),
  logprobs: Type.Optional(Type.Boolean()),
  topLogprobs: Type.Optional(Type.Number()),
  /** OpenAI `user` / Anthropic `metadata.user_id`: an opaque end-user id, used for sticky routing. */
  sessionKey: Type.Optional(Type.String()),
  tools: Type.Optional(Type.Array(ToolSchema)),
  /** Tools of the origin dialect the canonical model does not model (server tools, custom tools). */
  rawTools: Type.Optional(Type.Array(Type.Unknown())),
  toolChoice: Type.Optional(ToolChoiceSchema),
  /** OpenAI `parallel_tool_calls`; Anthropic `!tool_choice.disable_parallel_tool_use`. */
  parallelToolCalls: Type.Optional(Type.Boolean()),
  responseFormat: Type.Optional(ResponseFormatSchema),
  /** OpenAI `reasoning_effort`; Anthropic `output_config.effort`. */
  reasoningEffort: Type.Optional(Type.String()),
  thinking: Type.Optional(ThinkingConfigSchema),
  /** OpenAI `stream_options.include_usage`: whether the client wants the final usage chunk. */
  includeUsage: Type.Optional(Type.Boolean()),
  extra: Extra,
});
export type CanonicalRequest = Static<typeof RequestSchema>;

/**
 * Stop reasons, rich enough for every dialect (§10): each dialect's value maps to one of these
 * and back, so same-dialect round trips are exact. See src/canonical/map-finish-reason.ts.
 */
export const StopReasonSchema = Type.Union([
  Type.Literal("stop"),
  Type.Literal("stop_sequence"),
  Type.Literal("length"),
  Type.Literal("tool_calls"),
  Type.Literal("function_call"),
  Type.Literal("content_filter"),
  Type.Literal("refusal"),
  Type.Literal("pause"),
  Type.Literal("context_exceeded"),
]);
export type StopReason = Static<typeof StopReasonSchema>;

/**
 * Usage with OpenAI's inclusive semantics: `inputTokens` counts every prompt token, cached
 * (`cacheReadTokens`) and cache-written (`cacheWriteTokens`) ones included; `outputTokens`
 * includes `reasoningTokens`. See src/canonical/map-usage.ts (§8.7).
 */
export const UsageSchema = Type.Object({
  inputTokens: Type.Number(),
  outputTokens: Type.Number(),
  cacheReadTokens: Type.Optional(Type.Number()),
  cacheWriteTokens: Type.Optional(Type.Number()),
  reasoningTokens: Type.Optional(Type.Number()),
  /** The upstream's usage object as received, re-emitted verbatim to a client of the same dialect. */
  raw: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type Usage = Static<typeof UsageSchema>;

export const ResponseSchema = Type.Object({
  origin: Type.Optional(DialectNameSchema),
  id: Type.String(),
  model: Type.String(),
  created: Type.Optional(Type.Number()),
  content: Type.Array(BlockSchema),
  stopReason: Type.Union([StopReasonSchema, Type.Null()]),
  /** The matched stop sequence when the upstream says which (Anthropic). */
  stopSequence: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  usage: UsageSchema,
  extra: Extra,
});
export type CanonicalResponse = Static<typeof ResponseSchema>;

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });

/** Helper for schemas of this module used as a whole (tests validate decoder output with it). */
export const canonicalSchemas: Record<string, TSchema> = {
  request: RequestSchema,
  response: ResponseSchema,
};
