/**
 * The canonical model: what a request or answer means, in a superset of the dialects' features (ordered content
 * blocks per message, thinking with its signature, per-block cache hints, usage split into uncached / cache-read /
 * cache-written / reasoning counts, a stop reason for every dialect's value). A client dialect decodes into it and
 * another dialect encodes from it; same-dialect traffic never comes here (its bytes are piped). The schema is the
 * type; tests also use it to check that decoders only produce valid canonical data.
 *
 *  - `origin`: the dialect a request was decoded from (named in the reasons of dropped fields).
 *  - `extra` (request and tools): fields of the origin dialect with no canonical meaning. The encoders of another
 *    dialect drop them and report each one through `EncodeRequestOptions.onAdjust`.
 * See src/dialects/README.md for the conversions built on it.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

export const DialectNameSchema = Type.Union([
  Type.Literal("openai-chat"),
  Type.Literal("openai-completions"),
  Type.Literal("anthropic-messages"),
  Type.Literal("gemini"),
  Type.Literal("openai-responses"),
]);
export type DialectName = Static<typeof DialectNameSchema>;

/** Fields of the origin dialect with no canonical meaning, reported when dropped. */
const Extra = Type.Optional(Type.Record(Type.String(), Type.Unknown()));

/** Anthropic prompt-cache breakpoint; Claude-aware OpenAI clients send it on parts too (non-standard), and it is kept for Anthropic. */
export const CacheControlSchema = Type.Object(
  { type: Type.String(), ttl: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
export type CacheControl = Static<typeof CacheControlSchema>;
const CC = Type.Optional(CacheControlSchema);
/**
 * Gemini `thoughtSignature`: an opaque value Gemini puts on a text, thought or function-call part and wants back on
 * the next turn, unchanged (src/dialects/README.md "Thought signatures"). Unrelated to Anthropic's thinking
 * `signature`; other dialects ignore it.
 */
const GeminiSignature = Type.Optional(Type.String());

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
  thoughtSignature: GeminiSignature,
});
export const ImageBlockSchema = Type.Object({
  type: Type.Literal("image"),
  source: MediaSourceSchema,
  /** OpenAI `image_url.detail`; no equivalent elsewhere (dropped towards Anthropic). */
  detail: Type.Optional(Type.String()),
  cacheControl: CC,
});
export const DocumentBlockSchema = Type.Object({
  type: Type.Literal("document"),
  source: MediaSourceSchema,
  /** OpenAI `file.filename`. */
  filename: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  context: Type.Optional(Type.String()),
  cacheControl: CC,
});
export const AudioBlockSchema = Type.Object({
  type: Type.Literal("audio"),
  data: Type.String(),
  format: Type.String(),
});
/** A block of a dialect the canonical model does not model (server tools, search results...): no other dialect can express it, so encoders drop it (reported). */
export const RawBlockSchema = Type.Object({
  type: Type.Literal("raw"),
  dialect: DialectNameSchema,
  value: Type.Unknown(),
});
export const RefusalBlockSchema = Type.Object({ type: Type.Literal("refusal"), text: Type.String() });
export const ThinkingBlockSchema = Type.Object({
  type: Type.Literal("thinking"),
  text: Type.String(),
  /** Anthropic signature; Anthropic rejects a thinking block whose signature or text was changed. Absent when the source had none. */
  signature: Type.Optional(Type.String()),
  thoughtSignature: GeminiSignature,
  /**
   * Opaque reasoning state an upstream returned for replay (OpenAI Responses `encrypted_content`, with the id of
   * its reasoning item). Only an upstream of `dialect` can read it: other encoders leave it out.
   */
  encrypted: Type.Optional(
    Type.Object({ dialect: DialectNameSchema, data: Type.String(), itemId: Type.Optional(Type.String()) }),
  ),
});
export const RedactedThinkingBlockSchema = Type.Object({
  type: Type.Literal("redacted_thinking"),
  data: Type.String(),
});
export const ToolCallBlockSchema = Type.Object({
  type: Type.Literal("tool_call"),
  id: Type.String(),
  name: Type.String(),
  /** JSON text (OpenAI's spelling). Anthropic `input` objects are stringified once at decode. */
  arguments: Type.String(),
  cacheControl: CC,
  /** Gemini's signature of this call. Towards other clients it also rides inside `id` (src/canonical/tool-call-id.ts). */
  thoughtSignature: GeminiSignature,
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
  /** The wire content was a plain string (then `content` holds at most one text block); an Anthropic upstream gets a string too. */
  contentString: Type.Optional(Type.Boolean()),
  isError: Type.Optional(Type.Boolean()),
  cacheControl: CC,
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
  /**
   * An OpenAI Responses custom tool (free text in, optionally held to a grammar). Every other dialect sees a
   * function taking one string, `{"input": "..."}` (`inputSchema` says so); a Responses client gets its calls back
   * as custom tool calls.
   */
  custom: Type.Optional(Type.Object({ format: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })),
  /**
   * A function of an OpenAI Responses `namespace` tool. `name` is the flattened, collision-free name the other
   * dialects see (src/dialects/openai-responses/tool-names.ts); `function` is its own name in the namespace.
   */
  namespace: Type.Optional(
    Type.Object({ name: Type.String(), function: Type.String(), description: Type.Optional(Type.String()) }),
  ),
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
  messages: Type.Array(MessageSchema),
  maxTokens: Type.Optional(Type.Number()),
  temperature: Type.Optional(Type.Number()),
  topP: Type.Optional(Type.Number()),
  topK: Type.Optional(Type.Number()),
  n: Type.Optional(Type.Number()),
  seed: Type.Optional(Type.Number()),
  stop: Type.Optional(Type.Array(Type.String())),
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
  // ---- Gemini additions (src/dialects/gemini/) ----
  /** Gemini `thinkingConfig.includeThoughts`: whether thought summaries come back. Other dialects have no switch. */
  includeThoughts: Type.Optional(Type.Boolean()),
  /** Gemini `safetySettings`, as sent: only a Gemini upstream understands them; other encoders report them dropped. */
  safetySettings: Type.Optional(Type.Array(Type.Unknown())),
  // ---- OpenAI Responses additions (src/dialects/openai-responses/) ----
  /** `store`: whether the answer is kept server-side for follow-ups (the Responses default is true). */
  store: Type.Optional(Type.Boolean()),
  /** `metadata`: the client's key/value labels for the response. */
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** `prompt_cache_key`: groups requests sharing a prompt prefix (Codex sends its session id). */
  promptCacheKey: Type.Optional(Type.String()),
  /** `include`: extra output the client asked for (`reasoning.encrypted_content`, ...). */
  include: Type.Optional(Type.Array(Type.String())),
  /**
   * `previous_response_id`: the conversation continues a stored response. The dialects carry it and do not resolve
   * it: an encoder of another dialect refuses it (400) unless the gateway has put the stored items in first.
   */
  previousResponseId: Type.Optional(Type.String()),
  /**
   * Parts of the request only an upstream of the origin dialect can honour, and whose absence would change the
   * answer (a Responses built-in tool such as file_search, an `item_reference`), each named as the client spelled
   * it. An encoder of another dialect answers 400 naming the first (src/dialects/shared/foreign-request.ts).
   */
  originOnly: Type.Optional(Type.Array(Type.Object({ param: Type.String(), message: Type.String() }))),
});
export type CanonicalRequest = Static<typeof RequestSchema>;

/**
 * Stop reasons, rich enough for every dialect: each dialect's value has its own canonical value, so a conversion
 * picks the closest value of the other dialect from the real reason (src/canonical/map-finish-reason.ts).
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
 * includes `reasoningTokens`. See src/canonical/map-usage.ts.
 */
export const UsageSchema = Type.Object({
  inputTokens: Type.Number(),
  outputTokens: Type.Number(),
  cacheReadTokens: Type.Optional(Type.Number()),
  cacheWriteTokens: Type.Optional(Type.Number()),
  reasoningTokens: Type.Optional(Type.Number()),
});
export type Usage = Static<typeof UsageSchema>;

export const ResponseSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  created: Type.Optional(Type.Number()),
  content: Type.Array(BlockSchema),
  stopReason: Type.Union([StopReasonSchema, Type.Null()]),
  /** The matched stop sequence when the upstream says which (Anthropic). */
  stopSequence: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  usage: UsageSchema,
  // ---- Gemini additions (src/dialects/gemini/) ----
  /** Gemini `candidates[0].safetyRatings` and `promptFeedback`, as received: only Gemini clients see them. */
  safetyRatings: Type.Optional(Type.Array(Type.Unknown())),
  promptFeedback: Type.Optional(Type.Unknown()),
});
export type CanonicalResponse = Static<typeof ResponseSchema>;

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });

/** Helper for schemas of this module used as a whole (tests validate decoder output with it). */
export const canonicalSchemas: Record<string, TSchema> = {
  request: RequestSchema,
  response: ResponseSchema,
};
