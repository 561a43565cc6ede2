/** OpenAI Chat Completions client body -> canonical request (src/dialects/README.md "OpenAI Chat Completions"). */
import { invalidRequest } from "../../errors.ts";
import type { Block, CanonicalRequest, Message, ResponseFormat, ThinkingConfig, Tool, ToolChoice } from "../../canonical/model.ts";
import { extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { createValidator } from "../shared/validate-body.ts";
import { decodePart } from "./parts.ts";
import { OpenAIChatRequestSchema } from "./schema.ts";

const validate = createValidator(OpenAIChatRequestSchema);

/** Fields with a canonical meaning. Everything else (metadata, store, service_tier, modalities, audio,
 * prediction, verbosity, web_search_options, prompt_cache_key, safety_identifier, functions, ...)
 * goes to `extra`, to be reported as dropped. */
const KNOWN = new Set([
  "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "stop", "seed",
  "user", "stream", "stream_options", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
  "top_logprobs", "tools", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort",
  "top_k", "thinking",
]);
const K_FN = new Set(["name", "description", "parameters", "strict"]);
const K_TOOL_OUTER = new Set(["type", "function", "cache_control"]);

/** Appends the blocks of a message's `content` (string, parts, null or absent) to `out`. */
function decodeContent(c: unknown, path: string, out: Block[]) {
  if (typeof c === "string") {
    if (c !== "") out.push({ type: "text", text: c });
  } else if (Array.isArray(c)) c.forEach((p, i) => out.push(decodePart(p, `${path}[${i}]`)));
}

/**
 * Thinking echoed back by the client: LiteLLM's `thinking_blocks` (with signatures, which Anthropic needs back
 * unmodified) or plain `reasoning_content` (src/dialects/README.md "Thinking through OpenAI clients").
 */
function decodeThinking(m: Json, path: string, msg: Message) {
  if (Array.isArray(m.thinking_blocks)) {
    m.thinking_blocks.forEach((t, i) => {
      if (isObj(t) && t.type === "thinking" && typeof t.thinking === "string") {
        const b: Block = { type: "thinking", text: t.thinking };
        if (typeof t.signature === "string") b.signature = t.signature;
        msg.content.push(b);
      } else if (isObj(t) && t.type === "redacted_thinking" && typeof t.data === "string") {
        msg.content.push({ type: "redacted_thinking", data: t.data });
      } else throw invalidRequest(`${path}.thinking_blocks[${i}]: expected a thinking block`, `${path}.thinking_blocks[${i}]`);
    });
  } else if (typeof m.reasoning_content === "string") {
    msg.content.push({ type: "thinking", text: m.reasoning_content });
  }
}

function decodeMessage(m: Json, i: number): Message {
  const path = `messages[${i}]`;
  if (m.role === "function") {
    throw invalidRequest(`${path}.role: legacy "function" messages are not supported; use "tool" messages`, `${path}.role`);
  }
  const msg: Message = { role: m.role as Message["role"], content: [] };
  if (m.role === "tool") {
    if (typeof m.tool_call_id !== "string") throw invalidRequest(`${path}.tool_call_id: required for tool messages`, `${path}.tool_call_id`);
    const content: Block[] = [];
    decodeContent(m.content, `${path}.content`, content);
    const result: Block = { type: "tool_result", toolCallId: m.tool_call_id, content: content as never };
    if (typeof m.content === "string") result.contentString = true;
    msg.content.push(result);
  } else {
    if (m.role === "assistant") decodeThinking(m, path, msg);
    decodeContent(m.content, `${path}.content`, msg.content);
    if (m.role === "assistant" && Array.isArray(m.tool_calls)) {
      (m.tool_calls as Json[]).forEach((tc) => {
        const fn = tc.function as Json | undefined;
        if (tc.type !== undefined && tc.type !== "function" || !fn) {
          msg.content.push({ type: "raw", dialect: "openai-chat", value: tc });
          return;
        }
        msg.content.push({ type: "tool_call", id: tc.id as string, name: fn.name as string, arguments: fn.arguments as string });
      });
    }
  }
  return msg;
}

function decodeTool(t: Json): Tool | undefined {
  if (t.type !== "function" || !isObj(t.function)) return undefined;
  const fn = t.function;
  const tool: Tool = { name: fn.name as string };
  if (typeof fn.description === "string") tool.description = fn.description;
  if (isObj(fn.parameters)) tool.inputSchema = fn.parameters;
  if (typeof fn.strict === "boolean") tool.strict = fn.strict;
  const extra = extraOf(fn, K_FN);
  const outer = extraOf(t, K_TOOL_OUTER);
  if (extra || outer) tool.extra = { ...outer, ...extra };
  // Non-standard cache_control on a tool (Claude-aware clients) is kept for an Anthropic upstream.
  if (isObj(t.cache_control)) tool.cacheControl = t.cache_control as Tool["cacheControl"];
  return tool;
}

export function decodeToolChoice(tc: unknown): ToolChoice | undefined {
  if (tc === "auto" || tc === "none") return { type: tc };
  if (tc === "required") return { type: "required" };
  if (isObj(tc) && tc.type === "function" && isObj(tc.function) && typeof tc.function.name === "string" && Object.keys(tc).length === 2) {
    return { type: "tool", name: tc.function.name };
  }
  if (typeof tc === "string") throw invalidRequest(`tool_choice: unknown value ${JSON.stringify(tc)}`, "tool_choice");
  return undefined; // allowed_tools and future forms: put in extra, reported as dropped
}

function decodeResponseFormat(rf: Json): ResponseFormat | undefined {
  if (rf.type === "text" && Object.keys(rf).length === 1) return { type: "text" };
  if (rf.type === "json_object" && Object.keys(rf).length === 1) return { type: "json_object" };
  if (rf.type === "json_schema" && isObj(rf.json_schema) && Object.keys(rf).length === 2) {
    const js = rf.json_schema;
    if (extraOf(js, new Set(["name", "description", "schema", "strict"]))) return undefined;
    const out: ResponseFormat = { type: "json_schema" };
    if (typeof js.name === "string") out.name = js.name;
    if (typeof js.description === "string") out.description = js.description;
    if (isObj(js.schema)) out.schema = js.schema;
    if (typeof js.strict === "boolean") out.strict = js.strict;
    return out;
  }
  if (rf.type === "json_schema" && !isObj(rf.json_schema)) throw invalidRequest("response_format.json_schema: required", "response_format.json_schema");
  return undefined;
}

/** Non-standard `thinking` in Anthropic's shape (LiteLLM accepts it from OpenAI clients). */
function decodeThinkingParam(t: unknown): ThinkingConfig | undefined {
  if (!isObj(t)) return undefined;
  if (t.type === "enabled" && typeof t.budget_tokens === "number" && Object.keys(t).length === 2) return { type: "enabled", budgetTokens: t.budget_tokens };
  if (t.type === "disabled" && Object.keys(t).length === 1) return { type: "disabled" };
  if (t.type === "adaptive" && Object.keys(t).length === 1) return { type: "adaptive" };
  return undefined;
}

export function decodeOpenAIChatRequest(body: unknown): CanonicalRequest {
  validate(body);
  const b = body as Json;
  const req: CanonicalRequest = {
    origin: "openai-chat",
    model: b.model as string,
    stream: b.stream === true,
    messages: (b.messages as Json[]).map(decodeMessage),
  };
  const extra: Json = extraOf(b, KNOWN) ?? {};

  // `max_completion_tokens` is the current name; a client that sends both means it.
  if (typeof b.max_completion_tokens === "number") {
    req.maxTokens = b.max_completion_tokens;
    if (b.max_tokens != null) extra.max_tokens = b.max_tokens;
  } else if (typeof b.max_tokens === "number") req.maxTokens = b.max_tokens;
  for (const [k, f] of [["temperature", "temperature"], ["top_p", "topP"], ["n", "n"], ["seed", "seed"], ["presence_penalty", "presencePenalty"], ["frequency_penalty", "frequencyPenalty"], ["top_logprobs", "topLogprobs"], ["top_k", "topK"]] as const) {
    if (typeof b[k] === "number") (req as Json)[f] = b[k];
    else if (b[k] != null) extra[k] = b[k];
  }
  if (typeof b.logprobs === "boolean") req.logprobs = b.logprobs;
  else if (b.logprobs != null) extra.logprobs = b.logprobs;
  if (isObj(b.logit_bias) && Object.values(b.logit_bias).every((v) => typeof v === "number")) req.logitBias = b.logit_bias as Record<string, number>;
  else if (b.logit_bias != null) extra.logit_bias = b.logit_bias;
  if (typeof b.stop === "string") req.stop = [b.stop];
  else if (Array.isArray(b.stop)) req.stop = b.stop as string[];
  if (typeof b.user === "string") req.sessionKey = b.user;

  if (isObj(b.stream_options)) {
    const so = b.stream_options;
    if (typeof so.include_usage === "boolean") req.includeUsage = so.include_usage;
    const rest = extraOf(so, new Set(["include_usage"]));
    if (rest) extra.stream_options = rest;
  }

  if (b.tools !== undefined) {
    const tools: Tool[] = [];
    const raw: unknown[] = [];
    for (const t of b.tools as Json[]) {
      const tool = decodeTool(t);
      if (tool) tools.push(tool);
      else raw.push(t);
    }
    req.tools = tools;
    if (raw.length) req.rawTools = raw;
  }
  if (b.tool_choice !== undefined) {
    const tc = decodeToolChoice(b.tool_choice);
    if (tc) req.toolChoice = tc;
    else extra.tool_choice = b.tool_choice;
  }
  if (typeof b.parallel_tool_calls === "boolean") req.parallelToolCalls = b.parallel_tool_calls;
  if (b.response_format !== undefined) {
    const rf = decodeResponseFormat(b.response_format as Json);
    if (rf) req.responseFormat = rf;
    else extra.response_format = b.response_format;
  }
  if (typeof b.reasoning_effort === "string") req.reasoningEffort = b.reasoning_effort;
  if (b.thinking !== undefined) {
    const t = decodeThinkingParam(b.thinking);
    if (t) req.thinking = t;
    else extra.thinking = b.thinking;
  }
  if (Object.keys(extra).length) req.extra = extra;
  return req;
}
