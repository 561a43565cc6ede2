import { Type as T, type TSchema } from "@sinclair/typebox";
import { UsageDocument } from "../usage/usage-document.ts";
import { TIME_FORMS } from "../usage/usage-params.ts";
import { USAGE_GROUPS } from "../usage/ledger/usage-report.ts";
import { HealthDocument } from "./health-document.ts";

/**
 * OpenAPI descriptions of the routes, given as `detail` so that documenting a route never makes Elysia validate
 * (and so parse) a body the gateway pipes through. Request schemas are the permissive outlines of each dialect;
 * the dialect decoders do the real validation and name the failing field.
 */
const security = [{ bearer: [] }, { apiKey: [] }];

const OpenAIError = T.Object({
  error: T.Object({ message: T.String(), type: T.String(), param: T.Union([T.String(), T.Null()]), code: T.Union([T.String(), T.Null()]) }),
});
const AnthropicError = T.Object({
  type: T.Literal("error"),
  error: T.Object({ type: T.String(), message: T.String() }),
});

const ChatRequest = T.Object(
  {
    model: T.String(),
    messages: T.Array(T.Object({ role: T.String(), content: T.Any() }, { additionalProperties: true })),
    stream: T.Optional(T.Boolean()),
    max_tokens: T.Optional(T.Integer()),
    max_completion_tokens: T.Optional(T.Integer()),
    temperature: T.Optional(T.Number()),
    tools: T.Optional(T.Array(T.Any())),
  },
  { additionalProperties: true },
);
const CompletionsRequest = T.Object(
  { model: T.String(), prompt: T.Union([T.String(), T.Array(T.String())]), max_tokens: T.Optional(T.Integer()), stream: T.Optional(T.Boolean()) },
  { additionalProperties: true },
);
const MessagesRequest = T.Object(
  {
    model: T.String(),
    max_tokens: T.Integer(),
    messages: T.Array(T.Object({ role: T.Union([T.Literal("user"), T.Literal("assistant")]), content: T.Any() }, { additionalProperties: true })),
    system: T.Optional(T.Any()),
    stream: T.Optional(T.Boolean()),
    tools: T.Optional(T.Array(T.Any())),
  },
  { additionalProperties: true },
);
const ResponsesRequest = T.Object(
  {
    model: T.String(),
    input: T.Optional(T.Union([T.String(), T.Array(T.Any())])),
    instructions: T.Optional(T.String()),
    stream: T.Optional(T.Boolean()),
    store: T.Optional(T.Boolean()),
    previous_response_id: T.Optional(T.String()),
    max_output_tokens: T.Optional(T.Integer()),
    tools: T.Optional(T.Array(T.Any())),
  },
  { additionalProperties: true },
);
const ResponseObject = T.Object(
  { id: T.String(), object: T.Literal("response"), status: T.String(), model: T.String(), output: T.Array(T.Any()), usage: T.Any() },
  { additionalProperties: true },
);
const ChatResponse = T.Object(
  { id: T.String(), object: T.Literal("chat.completion"), model: T.String(), choices: T.Array(T.Any()), usage: T.Optional(T.Any()) },
  { additionalProperties: true },
);
const MessagesResponse = T.Object(
  { id: T.String(), type: T.Literal("message"), role: T.Literal("assistant"), model: T.String(), content: T.Array(T.Any()), stop_reason: T.Any(), usage: T.Any() },
  { additionalProperties: true },
);
const json = (schema: TSchema) => ({ "application/json": { schema } });
const errors = (schema: TSchema) =>
  Object.fromEntries(
    [
      ["400", "Invalid request (the message names the field)"],
      ["401", "Missing, unknown, disabled or expired gateway key"],
      ["403", "The key lacks the needed permission, or may not use the model (its allowed_models)"],
      ["404", "No account serves the model"],
      ["413", "Body larger than server.body_limit"],
      ["429", "Over the key's requests or tokens per minute or its spend budget, or every account is rate-limited or spend-capped (Retry-After set)"],
      ["502", "Upstream failure"],
      ["503", "No account available"],
      ["504", "Upstream timeout"],
    ].map(([code, description]) => [code, { description, content: json(schema) }]),
  );
const stream = { "text/event-stream": { schema: { type: "string" } } };

function llmRoute(summary: string, tag: string, request: TSchema, response: TSchema, errorShape: TSchema) {
  return {
    summary,
    tags: [tag],
    security,
    requestBody: { required: true, content: json(request) },
    responses: { "200": { description: "The answer, or an SSE stream when `stream` is true", content: { ...json(response), ...stream } }, ...errors(errorShape) },
  } as Record<string, unknown>;
}

const CountTokensRequest = T.Object(
  { model: T.String(), messages: T.Array(T.Any()), system: T.Optional(T.Any()), tools: T.Optional(T.Array(T.Any())) },
  { additionalProperties: true },
);
const CountTokensResponse = T.Object({ input_tokens: T.Integer() });
const ModelList = T.Union([
  T.Object({ object: T.Literal("list"), data: T.Array(T.Object({ id: T.String(), object: T.Literal("model"), created: T.Integer(), owned_by: T.String() })) }),
  T.Object({
    data: T.Array(T.Object({ type: T.Literal("model"), id: T.String(), display_name: T.String(), created_at: T.String() })),
    has_more: T.Boolean(),
    first_id: T.Union([T.String(), T.Null()]),
    last_id: T.Union([T.String(), T.Null()]),
  }),
]);

const GoogleError = T.Object({ error: T.Object({ code: T.Integer(), message: T.String(), status: T.String() }) });
const geminiSecurity = [{ googApiKey: [] }, { queryKey: [] }, ...security];
const GeminiRequest = T.Object(
  {
    contents: T.Array(T.Object({ role: T.Optional(T.String()), parts: T.Array(T.Any()) }, { additionalProperties: true })),
    systemInstruction: T.Optional(T.Any()),
    tools: T.Optional(T.Array(T.Any())),
    toolConfig: T.Optional(T.Any()),
    generationConfig: T.Optional(T.Any()),
  },
  { additionalProperties: true },
);
const GeminiResponse = T.Object(
  { candidates: T.Array(T.Any()), usageMetadata: T.Optional(T.Any()), modelVersion: T.Optional(T.String()), responseId: T.Optional(T.String()) },
  { additionalProperties: true },
);
const GeminiModel = T.Object(
  { name: T.String(), baseModelId: T.String(), version: T.String(), displayName: T.String(), supportedGenerationMethods: T.Array(T.String()) },
);
const geminiModelParam = { name: "model", in: "path", required: true, schema: { type: "string" }, description: "The model, e.g. gemini-2.5-flash" };

const GEMINI_METHOD_SUMMARY: Record<string, string> = {
  generateContent: "Gemini API: one answer",
  streamGenerateContent: "Gemini API: a streamed answer (`?alt=sse`: Server-Sent Events; without it a JSON array written element by element)",
  countTokens: "Gemini API: input tokens, exact from a Gemini, Vertex AI or Anthropic account, else an estimate (header x-llm-gateway-token-count: estimate)",
};

function geminiMethodDetail(version: string, method: string) {
  const count = method === "countTokens";
  const responses = count
    ? { "200": { description: "Token count", content: json(T.Object({ totalTokens: T.Integer() })) } }
    : method === "streamGenerateContent"
      ? { "200": { description: "GenerateContentResponse chunks, the last with a finishReason", content: { ...json(T.Array(GeminiResponse)), ...stream } } }
      : { "200": { description: "GenerateContentResponse", content: json(GeminiResponse) } };
  return {
    summary: `${GEMINI_METHOD_SUMMARY[method]} (${version})`,
    tags: ["gemini"],
    security: geminiSecurity,
    parameters: [
      geminiModelParam,
      ...(method === "streamGenerateContent" ? [{ name: "alt", in: "query", required: false, schema: { type: "string", enum: ["sse"] }, description: "sse: stream as Server-Sent Events" }] : []),
    ],
    requestBody: { required: true, content: json(count ? T.Union([GeminiRequest, T.Object({ generateContentRequest: GeminiRequest })]) : GeminiRequest) },
    responses: { ...responses, ...errors(GoogleError) },
  } as Record<string, unknown>;
}

/**
 * Gemini's routes for the OpenAPI document, given to the docs plugin as paths of their own: the server routes
 * them with wildcards (`{model}:{method}` is one path segment), which the plugin leaves out.
 */
export const geminiPaths: Record<string, Record<string, unknown>> = Object.fromEntries(
  ["v1beta", "v1"].flatMap((version) => [
    ...["generateContent", "streamGenerateContent", "countTokens"].map((method) => [`/${version}/models/{model}:${method}`, { post: geminiMethodDetail(version, method) }]),
    [`/${version}/models/{model}`, { get: geminiModelDetail(version) }],
  ]),
);

export const openapiDetails = {
  health: {
    summary: "Gateway health: status and counts without a key; each account's state with a read or admin key",
    tags: ["system"],
    security: [{}, ...security],
    responses: {
      "200": { description: "Healthy or degraded", content: json(HealthDocument) },
      "503": { description: "Unhealthy", content: json(HealthDocument) },
      "401": { description: "A key was sent and it is not valid", content: json(OpenAIError) },
      "403": { description: "The key has neither read nor admin permission", content: json(OpenAIError) },
    },
  } as Record<string, unknown>,
  chatCompletions: llmRoute("OpenAI Chat Completions", "openai", ChatRequest, ChatResponse, OpenAIError),
  completions: llmRoute("OpenAI legacy Completions (an Anthropic-shaped body is recognised too)", "openai", CompletionsRequest, T.Any(), OpenAIError),
  messages: llmRoute("Anthropic Messages", "anthropic", MessagesRequest, MessagesResponse, AnthropicError),
  responses: llmRoute(
    "OpenAI Responses (Codex, the SDKs' responses calls). Through upstreams other than OpenAI's Responses API the gateway keeps each answer unless store is false, for previous_response_id, item_reference and GET/DELETE by id (per key, for a limited time)",
    "openai",
    ResponsesRequest,
    ResponseObject,
    OpenAIError,
  ),
  responsesUpgrade: {
    summary: "Always 426: no WebSocket mode (Codex tries one first, then uses POST /v1/responses)",
    tags: ["openai"],
    responses: { "426": { description: "Use POST", content: json(OpenAIError) } },
  } as Record<string, unknown>,
  responseGet: {
    summary: "A response the gateway kept, as the client got it (only the key that created it sees it)",
    tags: ["openai"],
    security,
    responses: { "200": { description: "The Response object", content: json(ResponseObject) }, "404": { description: "Not kept (expired, deleted, store: false, another key's, or answered by an OpenAI upstream)", content: json(OpenAIError) } },
  } as Record<string, unknown>,
  responseDelete: {
    summary: "Forgets a response the gateway kept (only the key that created it)",
    tags: ["openai"],
    security,
    responses: {
      "200": { description: "Deleted", content: json(T.Object({ id: T.String(), object: T.Literal("response"), deleted: T.Literal(true) })) },
      "404": { description: "Not kept", content: json(OpenAIError) },
    },
  } as Record<string, unknown>,
  countTokens: {
    summary: "Anthropic token counting: exact from an Anthropic account, else an estimate (header x-llm-gateway-token-count: estimate)",
    tags: ["anthropic"],
    security,
    requestBody: { required: true, content: json(CountTokensRequest) },
    responses: { "200": { description: "Input token count", content: json(CountTokensResponse) }, ...errors(AnthropicError) },
  } as Record<string, unknown>,
  metrics: {
    summary: "Prometheus metrics: requests, tokens, cost in USD, latency histogram, account health and in-flight (admin key)",
    tags: ["system"],
    security,
    responses: { "200": { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: { type: "string" } } } }, ...errors(OpenAIError) },
  } as Record<string, unknown>,
  adminUsage: {
    summary: "Usage report from the usage ledger: requests, errors, tokens, cost (unknown costs flagged, never $0) and latency, in a range, grouped and filtered (admin key)",
    tags: ["admin"],
    security,
    parameters: [
      { name: "since", in: "query", schema: { type: "string" }, description: `Start of the range (default 7d): ${TIME_FORMS}` },
      { name: "until", in: "query", schema: { type: "string" }, description: "End of the range (default now); same forms; a date includes that day" },
      { name: "by", in: "query", schema: { type: "string", enum: [...USAGE_GROUPS] }, description: "One grouping" },
      { name: "key", in: "query", schema: { type: "string" }, description: "Only this gateway key (id or unique name)" },
      { name: "account", in: "query", schema: { type: "string" }, description: "Only this upstream account (id or unique name)" },
      { name: "model", in: "query", schema: { type: "string" }, description: "Only this model (the model served)" },
    ],
    responses: {
      "200": { description: "The report; `recorded` is false while no usage has been recorded", content: json(UsageDocument) },
      "400": { description: "A bad or unknown query parameter (`param` names it)", content: json(OpenAIError) },
      "401": { description: "Missing, unknown, disabled or expired gateway key", content: json(OpenAIError) },
      "403": { description: "The key lacks the admin permission", content: json(OpenAIError) },
      "503": { description: "The usage ledger cannot be read", content: json(OpenAIError) },
    },
  } as Record<string, unknown>,
  geminiModels: {
    summary: "Gemini's model list: the models served by the enabled accounts and routes, as `models/<id>`",
    tags: ["gemini"],
    security: geminiSecurity,
    responses: { "200": { description: "Model list", content: json(T.Object({ models: T.Array(GeminiModel) })) }, ...errors(GoogleError) },
  } as Record<string, unknown>,
  models: {
    summary: "Models served by the enabled accounts and routes (Anthropic's list shape when anthropic-version is sent; Google's when the key comes in x-goog-api-key or ?key=)",
    tags: ["openai", "anthropic"],
    security,
    responses: { "200": { description: "Model list", content: json(ModelList) }, ...errors(OpenAIError) },
  } as Record<string, unknown>,
};

function geminiModelDetail(version: string) {
  return {
    summary: `Gemini API (${version}): one model, \`models/{model}\` in Google's shape; 404 NOT_FOUND when no account or route serves it`,
    tags: ["gemini"],
    security: geminiSecurity,
    parameters: [geminiModelParam],
    responses: { "200": { description: "The model", content: json(GeminiModel) }, ...errors(GoogleError) },
  } as Record<string, unknown>;
}
