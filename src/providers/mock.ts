import { countMockTokens, mockTokenRunEnds } from "./mock-tokenizer.ts";

/**
 * The built-in `mock` upstream: answers locally, natively in every dialect the gateway speaks (OpenAI Chat,
 * OpenAI Completions, OpenAI Responses, Anthropic Messages and count_tokens, Gemini generateContent /
 * streamGenerateContent / countTokens), streaming or not, with deterministic text that echoes
 * the last user message and usage counted by the mock tokenizer. The gateway calls it like any upstream
 * (through a fetch-shaped function), so the same-dialect passthrough path is exercised too.
 */

type Json = Record<string, any>;

const PREFIX = "Mock reply to: ";
const EMPTY_REPLY = "Hello from the llm-gateway mock provider.";

/** Plain text of a message content in either dialect (string, or parts/blocks with text). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const out: string[] = [];
  for (const part of content) {
    if (!part || typeof part !== "object") continue;
    if (typeof part.text === "string") out.push(part.text);
    else if (part.type === "tool_result") out.push(textOf(part.content));
  }
  return out.join(" ");
}

/** Gemini's `contents` (and `systemInstruction`) as messages of the other dialects: role and parts as content. */
function geminiAsMessages(body: Json): Json {
  const messages = Array.isArray(body.contents) ? body.contents.map((c: Json) => ({ role: c?.role === "model" ? "assistant" : "user", content: c?.parts })) : [];
  return { system: body.systemInstruction?.parts, messages };
}

/** Tokens of everything the model reads: system, prompt, every message's text (counted part by part, not joined). */
function inputTokens(body: Json): number {
  const parts: string[] = [];
  if (body.system !== undefined) parts.push(textOf(body.system));
  if (typeof body.prompt === "string") parts.push(body.prompt);
  else if (Array.isArray(body.prompt)) parts.push(...body.prompt.filter((p: unknown) => typeof p === "string"));
  if (Array.isArray(body.messages)) for (const m of body.messages) parts.push(textOf(m?.content));
  let n = 0;
  for (const p of parts) n += countMockTokens(p);
  return n;
}

/** What the user said last: the last text of the last user message (clients put reminders in earlier parts). */
function lastUserText(body: Json): string {
  if (typeof body.prompt === "string") return body.prompt;
  if (Array.isArray(body.prompt)) return String(body.prompt.at(-1) ?? "");
  const msgs: Json[] = Array.isArray(body.messages) ? body.messages : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i]?.role !== "user") continue;
    const content = msgs[i]!.content;
    if (!Array.isArray(content)) return textOf(content);
    const texts = content.filter((p: Json) => p && typeof p.text === "string");
    return texts.length ? texts.at(-1).text : textOf(content);
  }
  return "";
}

interface Reply {
  pieces: string[];
  text: string;
  inputTokens: number;
  outputTokens: number;
  truncated: boolean;
}

/** At most this many stream deltas however long the reply: a long echo goes out in runs of tokens. */
const MAX_PIECES = 1000;

/** The reply split into streamable pieces (a token, or a run of them, with the whitespace before it). */
function makeReply(body: Json, limit: number | undefined): Reply {
  const said = lastUserText(body).trim();
  const full = said ? PREFIX + said : EMPTY_REPLY;
  const total = countMockTokens(full);
  const keep = limit !== undefined && limit >= 0 && limit < total ? limit : total;
  const pieces: string[] = [];
  let pos = 0;
  for (const end of mockTokenRunEnds(full, keep, MAX_PIECES)) {
    pieces.push(full.slice(pos, end));
    pos = end;
  }
  return { pieces, text: full.slice(0, pos), inputTokens: inputTokens(body), outputTokens: keep, truncated: keep < total };
}

const json = (data: unknown, status = 200) =>
  new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json", "x-request-id": `mock-${crypto.randomUUID()}` } });

const sse = (chunks: string[]) =>
  new Response(chunks.join(""), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": `mock-${crypto.randomUUID()}` },
  });

const openaiError = (status: number, message: string, param: string | null = null) =>
  json({ error: { message, type: "invalid_request_error", param, code: null } }, status);
const anthropicError = (status: number, message: string) =>
  json({ type: "error", error: { type: "invalid_request_error", message } }, status);

const now = () => Math.floor(Date.now() / 1000);
const rid = () => crypto.randomUUID().replace(/-/g, "").slice(0, 24);

function chatCompletion(body: Json): Response {
  if (typeof body.model !== "string") return openaiError(400, "model: required string", "model");
  if (!Array.isArray(body.messages)) return openaiError(400, "messages: required array", "messages");
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const r = makeReply(body, limit);
  const id = `chatcmpl-mock${rid()}`;
  const created = now();
  const finish = r.truncated ? "length" : "stop";
  const usage = { prompt_tokens: r.inputTokens, completion_tokens: r.outputTokens, total_tokens: r.inputTokens + r.outputTokens };
  if (!body.stream) {
    return json({
      id, object: "chat.completion", created, model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: r.text, refusal: null, annotations: [] }, logprobs: null, finish_reason: finish }],
      usage,
    });
  }
  const includeUsage = body.stream_options?.include_usage === true;
  const base = { id, object: "chat.completion.chunk", created, model: body.model };
  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta: Json, finish_reason: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason }], ...extra })}\n\n`;
  const out = [chunk({ role: "assistant", content: "", refusal: null }, null)];
  for (const p of r.pieces) out.push(chunk({ content: p }, null));
  out.push(chunk({}, finish));
  if (includeUsage) out.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  out.push("data: [DONE]\n\n");
  return sse(out);
}

function completion(body: Json): Response {
  if (typeof body.model !== "string") return openaiError(400, "model: required string", "model");
  if (body.prompt === undefined) return openaiError(400, "prompt: required", "prompt");
  const r = makeReply(body, body.max_tokens ?? 16);
  const id = `cmpl-mock${rid()}`;
  const created = now();
  const finish = r.truncated ? "length" : "stop";
  const usage = { prompt_tokens: r.inputTokens, completion_tokens: r.outputTokens, total_tokens: r.inputTokens + r.outputTokens };
  const base = { id, object: "text_completion", created, model: body.model };
  if (!body.stream) {
    return json({ ...base, choices: [{ text: r.text, index: 0, logprobs: null, finish_reason: finish }], usage });
  }
  const chunk = (text: string, finish_reason: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason }] })}\n\n`;
  const out = r.pieces.map((p) => chunk(p, null));
  out.push(chunk("", finish));
  if (body.stream_options?.include_usage === true) out.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  out.push("data: [DONE]\n\n");
  return sse(out);
}

function messages(body: Json): Response {
  if (typeof body.model !== "string") return anthropicError(400, "model: Field required");
  if (!Array.isArray(body.messages)) return anthropicError(400, "messages: Field required");
  if (typeof body.max_tokens !== "number") return anthropicError(400, "max_tokens: Field required");
  const r = makeReply(body, body.max_tokens);
  const id = `msg_mock${rid()}`;
  const stop = r.truncated ? "max_tokens" : "end_turn";
  if (!body.stream) {
    return json({
      id, type: "message", role: "assistant", model: body.model,
      content: [{ type: "text", text: r.text }],
      stop_reason: stop, stop_sequence: null,
      usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  }
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [
    ev("message_start", {
      message: {
        id, type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: r.inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ];
  for (const p of r.pieces) out.push(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: p } }));
  out.push(ev("content_block_stop", { index: 0 }));
  out.push(ev("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: r.outputTokens } }));
  out.push(ev("message_stop", {}));
  return sse(out);
}

/** A Responses body's `instructions` and `input` as messages of the other dialects (tool outputs count as input). */
function responsesAsMessages(body: Json): Json {
  const items: Json[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : Array.isArray(body.input) ? body.input : [];
  const messages: Json[] = [];
  for (const it of items) {
    if (typeof it?.role === "string") messages.push({ role: it.role, content: it.content });
    else if (typeof it?.output === "string") messages.push({ role: "tool", content: it.output });
  }
  return { system: body.instructions ?? undefined, messages };
}

/**
 * OpenAI Responses (`POST /v1/responses`): one message item, the usual event sequence with sequence numbers when
 * streaming. It keeps nothing: a `previous_response_id` is answered with OpenAI's 404 for an unknown response.
 */
function responses(body: Json): Response {
  if (typeof body.model !== "string") return openaiError(400, "Missing required parameter: 'model'.", "model");
  if (typeof body.previous_response_id === "string") {
    return json({ error: { message: `Previous response with id '${body.previous_response_id}' not found.`, type: "invalid_request_error", param: "previous_response_id", code: "previous_response_not_found" } }, 404);
  }
  const r = makeReply(responsesAsMessages(body), body.max_output_tokens ?? undefined);
  const id = `resp_mock${rid()}`;
  const itemId = `msg_mock${rid()}`;
  const usage = { input_tokens: r.inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: r.outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: r.inputTokens + r.outputTokens };
  const part = (text: string) => ({ type: "output_text", annotations: [], text });
  const item = (status: string, content: Json[]) => ({ id: itemId, type: "message", status, content, role: "assistant" });
  const response = (status: string, output: Json[], u: Json | null) => ({
    id, object: "response", created_at: now(), status, error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null, max_output_tokens: body.max_output_tokens ?? null, model: body.model, output,
    parallel_tool_calls: body.parallel_tool_calls ?? true, previous_response_id: null, reasoning: { effort: null, summary: null },
    store: body.store ?? true, temperature: body.temperature ?? 1, text: { format: { type: "text" } }, tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [], top_p: body.top_p ?? 1, truncation: "disabled", usage: u, metadata: body.metadata ?? {},
  });
  const status = r.truncated ? "incomplete" : "completed";
  const done = item("completed", [part(r.text)]);
  if (!body.stream) return json(response(status, [done], usage));
  let seq = 0;
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const ref = { item_id: itemId, output_index: 0, content_index: 0 };
  const out = [
    ev("response.created", { response: response("in_progress", [], null) }),
    ev("response.in_progress", { response: response("in_progress", [], null) }),
    ev("response.output_item.added", { output_index: 0, item: item("in_progress", []) }),
    ev("response.content_part.added", { ...ref, part: part("") }),
  ];
  for (const p of r.pieces) out.push(ev("response.output_text.delta", { ...ref, delta: p, logprobs: [] }));
  out.push(
    ev("response.output_text.done", { ...ref, text: r.text, logprobs: [] }),
    ev("response.content_part.done", { ...ref, part: part(r.text) }),
    ev("response.output_item.done", { output_index: 0, item: done }),
    ev(`response.${status}`, { response: response(status, [done], usage) }),
  );
  return sse(out);
}

function geminiError(status: number, message: string, name = "INVALID_ARGUMENT"): Response {
  return json({ error: { code: status, message, status: name } }, status);
}

/** Gemini `generateContent` / `streamGenerateContent` (SSE with CRLF, as Google sends it). */
function generateContent(body: Json, model: string, stream: boolean): Response {
  if (!Array.isArray(body.contents) || body.contents.length === 0) return geminiError(400, "* GenerateContentRequest.contents: contents is not specified");
  const limit = body.generationConfig?.maxOutputTokens;
  const r = makeReply(geminiAsMessages(body), limit);
  const responseId = rid();
  const finishReason = r.truncated ? "MAX_TOKENS" : "STOP";
  const usageMetadata = { promptTokenCount: r.inputTokens, candidatesTokenCount: r.outputTokens, totalTokenCount: r.inputTokens + r.outputTokens };
  const answer = (parts: Json[], extra: Json = {}) => ({
    candidates: [{ content: { role: "model", parts }, ...extra, index: 0 }],
    ...(extra.finishReason ? { usageMetadata } : {}),
    modelVersion: model,
    responseId,
  });
  if (!stream) return json(answer([{ text: r.text }], { finishReason }));
  const out = r.pieces.map((p, i) => `data: ${JSON.stringify(answer([{ text: p }], i === r.pieces.length - 1 ? { finishReason } : {}))}\r\n\r\n`);
  if (!out.length) out.push(`data: ${JSON.stringify(answer([{ text: "" }], { finishReason }))}\r\n\r\n`);
  return sse(out);
}

function countTokens(body: Json): Response {
  if (typeof body.model !== "string") return anthropicError(400, "model: Field required");
  if (!Array.isArray(body.messages)) return anthropicError(400, "messages: Field required");
  return json({ input_tokens: inputTokens(body) });
}

/** fetch-shaped entry point: the transport calls this instead of the network for mock accounts. */
export async function mockFetch(input: Request | string, init?: RequestInit): Promise<Response> {
  init?.signal?.throwIfAborted();
  const path = new URL(typeof input === "string" ? input : input.url).pathname;
  let body: Json;
  try {
    // The gateway hands its body over as a string: parsed as it is, not copied into a Request and read back.
    const given = typeof input === "string" ? init?.body : undefined;
    body = (typeof given === "string" ? JSON.parse(given) : await (typeof input === "string" ? new Request(input, init) : input).json()) as Json;
  } catch {
    return openaiError(400, "request body is not valid JSON");
  }
  const gemini = /\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(path);
  if (gemini) {
    const model = decodeURIComponent(gemini[1]!);
    if (gemini[2] === "countTokens") {
      const inner = body.generateContentRequest ?? body;
      return json({ totalTokens: inputTokens(geminiAsMessages(inner)) });
    }
    return generateContent(body, model, gemini[2] === "streamGenerateContent");
  }
  if (path.endsWith("/chat/completions")) return chatCompletion(body);
  if (path.endsWith("/responses")) return responses(body);
  if (path.endsWith("/messages/count_tokens")) return countTokens(body);
  if (path.endsWith("/messages")) return messages(body);
  if (path.endsWith("/completions")) return completion(body);
  return openaiError(404, `mock provider: no endpoint ${path}`);
}
