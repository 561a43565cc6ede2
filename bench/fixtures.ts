/**
 * The bench's wire data: client request bodies and upstream answers (JSON and ~50-event SSE streams) for both
 * dialects. Shared by the fake upstream, the load scenarios and the converter microbench, so every layer measures
 * the same bytes.
 */

/** `openai` is Chat Completions; `responses` OpenAI's Responses API. */
export type BenchDialect = "openai" | "anthropic" | "gemini" | "responses";

/** Events per stream, terminator included. */
export const STREAM_EVENTS = 50;

const WORDS = (
  "The quick brown fox jumps over the lazy dog while a gateway forwards every token it sees without " +
  "adding latency or losing a byte along the way to the client that asked for it in the first place today"
).split(" ");

/** `n` words of answer text (one per stream delta). */
export function answerWords(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((i === 0 ? "" : " ") + WORDS[i % WORDS.length]);
  return out;
}

const PROMPT = "Write two sentences about a fox, a dog and a gateway. Keep it short.";

/** What a client sends: the usual small chat request (system prompt, one user turn, a token limit). */
export function requestBody(dialect: BenchDialect, model: string, stream: boolean): Record<string, unknown> {
  if (dialect === "gemini") {
    // Gemini names the model and streaming in the URL (endpointPath), not the body.
    return {
      systemInstruction: { parts: [{ text: "You are a concise assistant." }] },
      contents: [{ role: "user", parts: [{ text: PROMPT }] }],
      generationConfig: { maxOutputTokens: 256, temperature: 0.7 },
    };
  }
  if (dialect === "responses") {
    const body: Record<string, unknown> = {
      model,
      instructions: "You are a concise assistant.",
      input: [{ role: "user", content: PROMPT }],
      max_output_tokens: 256,
      temperature: 0.7,
    };
    if (stream) body.stream = true;
    return body;
  }
  if (dialect === "openai") {
    const body: Record<string, unknown> = {
      model,
      messages: [
        { role: "system", content: "You are a concise assistant." },
        { role: "user", content: PROMPT },
      ],
      max_tokens: 256,
      temperature: 0.7,
    };
    if (stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    return body;
  }
  const body: Record<string, unknown> = {
    model,
    max_tokens: 256,
    system: "You are a concise assistant.",
    messages: [{ role: "user", content: PROMPT }],
    temperature: 0.7,
  };
  if (stream) body.stream = true;
  return body;
}

const CREATED = 1_700_000_000;
const USAGE_IN = 24;

/** An OpenAI Response object in OpenAI's key order, the request's settings repeated as OpenAI does. */
function responseObject(model: string, status: string, output: unknown[], usage: unknown): Record<string, unknown> {
  return {
    id: "resp_bench0001", object: "response", created_at: CREATED, status, background: false, error: null,
    incomplete_details: null, instructions: "You are a concise assistant.", max_output_tokens: 256, max_tool_calls: null,
    model, output, parallel_tool_calls: true, previous_response_id: null, prompt_cache_key: null,
    reasoning: { effort: null, summary: null }, safety_identifier: null, service_tier: "default", store: true,
    temperature: 0.7, text: { format: { type: "text" }, verbosity: "medium" }, tool_choice: "auto", tools: [],
    top_logprobs: 0, top_p: 1, truncation: "disabled", usage, user: null, metadata: {},
  };
}
const responsesMessage = (text: string, status = "completed") => ({
  id: "msg_bench0001", type: "message", status, content: status === "completed" ? [{ type: "output_text", annotations: [], logprobs: [], text }] : [], role: "assistant",
});
const responsesUsage = (n: number) => ({ input_tokens: USAGE_IN, input_tokens_details: { cached_tokens: 0 }, output_tokens: n, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: USAGE_IN + n });

/** Upstream JSON answer. */
export function responseJson(dialect: BenchDialect, model: string): Record<string, unknown> {
  const words = answerWords(STREAM_EVENTS - 4);
  const text = words.join("");
  if (dialect === "responses") return responseObject(model, "completed", [responsesMessage(text)], responsesUsage(words.length));
  if (dialect === "gemini") {
    return {
      candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: USAGE_IN, candidatesTokenCount: words.length, totalTokenCount: USAGE_IN + words.length },
      modelVersion: model,
      responseId: "bench0001",
    };
  }
  if (dialect === "openai") {
    return {
      id: "chatcmpl-bench0001",
      object: "chat.completion",
      created: CREATED,
      model,
      choices: [
        { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: USAGE_IN, completion_tokens: words.length, total_tokens: USAGE_IN + words.length },
      system_fingerprint: "fp_bench",
    };
  }
  return {
    id: "msg_bench0001",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: USAGE_IN, output_tokens: words.length },
  };
}

/**
 * Upstream SSE answer as separate events (each a complete `event:/data:` block ending in a blank line):
 * exactly STREAM_EVENTS events, terminator included (`data: [DONE]` for OpenAI, `message_stop` for Anthropic).
 */
export function streamEvents(dialect: BenchDialect, model: string): string[] {
  const out: string[] = [];
  if (dialect === "responses") {
    // created, in_progress, item added, part added, words, text done, part done, item done, completed = STREAM_EVENTS
    let seq = 0;
    const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
    const words = answerWords(STREAM_EVENTS - 8);
    const text = words.join("");
    const ref = { item_id: "msg_bench0001", output_index: 0, content_index: 0 };
    out.push(ev("response.created", { response: responseObject(model, "in_progress", [], null) }));
    out.push(ev("response.in_progress", { response: responseObject(model, "in_progress", [], null) }));
    out.push(ev("response.output_item.added", { output_index: 0, item: responsesMessage("", "in_progress") }));
    out.push(ev("response.content_part.added", { ...ref, part: { type: "output_text", annotations: [], logprobs: [], text: "" } }));
    for (const w of words) out.push(ev("response.output_text.delta", { ...ref, delta: w, logprobs: [] }));
    out.push(ev("response.output_text.done", { ...ref, text, logprobs: [] }));
    out.push(ev("response.content_part.done", { ...ref, part: { type: "output_text", annotations: [], logprobs: [], text } }));
    out.push(ev("response.output_item.done", { output_index: 0, item: responsesMessage(text) }));
    out.push(ev("response.completed", { response: responseObject(model, "completed", [responsesMessage(text)], responsesUsage(words.length)) }));
    return out;
  }
  if (dialect === "gemini") {
    // One text part per chunk, then the finish chunk with the usage; no terminator (the body ends). LF framing
    // (Google's is CRLF, which the converter reads alike) so the load generator counts events the same way.
    const chunk = (parts: unknown[], last: boolean, n: number) =>
      `data: ${JSON.stringify({
        candidates: [{ content: { parts, role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 }],
        usageMetadata: last ? { promptTokenCount: USAGE_IN, candidatesTokenCount: n, totalTokenCount: USAGE_IN + n } : { trafficType: "ON_DEMAND" },
        modelVersion: model,
        responseId: "bench0001",
      })}\n\n`;
    const words = answerWords(STREAM_EVENTS - 1);
    for (const w of words) out.push(chunk([{ text: w }], false, 0));
    out.push(chunk([{ text: "" }], true, words.length));
    return out;
  }
  if (dialect === "openai") {
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({
        id: "chatcmpl-bench0001",
        object: "chat.completion.chunk",
        created: CREATED,
        model,
        system_fingerprint: "fp_bench",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...extra,
      })}\n\n`;
    // role chunk + words + finish chunk + usage chunk + [DONE] = STREAM_EVENTS
    const words = answerWords(STREAM_EVENTS - 4);
    out.push(chunk({ role: "assistant", content: "", refusal: null }, null));
    for (const w of words) out.push(chunk({ content: w }, null));
    out.push(chunk({}, "stop"));
    out.push(
      `data: ${JSON.stringify({
        id: "chatcmpl-bench0001",
        object: "chat.completion.chunk",
        created: CREATED,
        model,
        system_fingerprint: "fp_bench",
        choices: [],
        usage: { prompt_tokens: USAGE_IN, completion_tokens: words.length, total_tokens: USAGE_IN + words.length },
      })}\n\n`,
    );
    out.push("data: [DONE]\n\n");
    return out;
  }
  const ev = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  // message_start, block_start, ping, words, block_stop, message_delta, message_stop = STREAM_EVENTS
  const words = answerWords(STREAM_EVENTS - 6);
  out.push(
    ev("message_start", {
      type: "message_start",
      message: {
        id: "msg_bench0001",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: USAGE_IN, output_tokens: 1 },
      },
    }),
  );
  out.push(ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }));
  out.push(ev("ping", { type: "ping" }));
  for (const w of words) {
    out.push(ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: w } }));
  }
  out.push(ev("content_block_stop", { type: "content_block_stop", index: 0 }));
  out.push(
    ev("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: words.length },
    }),
  );
  out.push(ev("message_stop", { type: "message_stop" }));
  return out;
}

/** The text that marks a complete stream of this client dialect (checked by the load generator). */
export function streamTerminator(dialect: BenchDialect): string {
  // Gemini streams have no terminator: the last chunk is the one with a finishReason and the final counts, which
  // end it (the load generator looks at a body's last 128 bytes, where finishReason no longer is).
  // A Responses stream ends with the whole response, its usage near the end (the event's name is far before).
  if (dialect === "responses") return `"total_tokens"`;
  return dialect === "openai" ? "[DONE]" : dialect === "gemini" ? `"candidatesTokenCount"` : "message_stop";
}

/** The client's endpoint; Gemini's names the model and whether it streams. */
export function endpointPath(dialect: BenchDialect, model = "gemini-bench", stream = false): string {
  if (dialect === "gemini") return `/v1beta/models/${model}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`;
  return dialect === "openai" ? "/v1/chat/completions" : dialect === "responses" ? "/v1/responses" : "/v1/messages";
}
