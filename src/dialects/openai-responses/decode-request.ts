/**
 * OpenAI Responses client body -> canonical request.
 *
 * `instructions` is the canonical `system`; `input` (a string, or items) becomes messages: user, system and
 * developer messages keep their place; an assistant turn gathers the consecutive assistant-side items (reasoning,
 * assistant messages, function/custom tool calls, built-in call items, item references) into one assistant
 * message; each `function_call_output` / `custom_tool_call_output` is a `tool` message. Tools: tools.ts; Codex's
 * `additional_tools` input item adds its tools to them.
 */
import { invalidRequest } from "../../errors.ts";
import type { Block, CanonicalRequest, Message, ResponseFormat } from "../../canonical/model.ts";
import { extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { createValidator } from "../shared/validate-body.ts";
import { decodeAssistantMessage, decodeCall, decodeReasoning } from "./items.ts";
import { decodePart } from "./parts.ts";
import { ResponsesRequestSchema } from "./schema.ts";
import { flatName } from "./tool-names.ts";
import { decodeToolChoice, decodeToolList, plainToolNames, type ToolSink } from "./tools.ts";

const validate = createValidator(ResponsesRequestSchema);

/** Fields with a canonical meaning; every other one (truncation, service_tier, safety_identifier, max_tool_calls,
 * stream_options, top_logprobs, Codex's client_metadata, ...) rides in `extra`, dropped and reported by the other
 * dialects' encoders. */
const KNOWN = new Set([
  "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "stream", "tools", "tool_choice",
  "parallel_tool_calls", "text", "reasoning", "metadata", "user", "store", "include", "previous_response_id",
  "prompt_cache_key", "conversation", "prompt", "background",
]);
const ROLES = new Set(["user", "assistant", "system", "developer"]);

/** Items that stand for state stored by OpenAI: no other upstream has it, and the answer would change without it. */
const STATEFUL_ITEMS: Record<string, string> = {
  item_reference: "refers to an item stored by OpenAI",
  compaction: "holds history compacted by OpenAI",
};

function decodeOutput(o: Json, path: string): Message {
  if (typeof o.call_id !== "string") throw invalidRequest(`${path}.call_id: expected a string`, `${path}.call_id`);
  const result: Extract<Block, { type: "tool_result" }> = { type: "tool_result", toolCallId: o.call_id, content: [] };
  if (typeof o.output === "string") {
    result.contentString = true;
    if (o.output !== "") result.content.push({ type: "text", text: o.output });
  } else if (Array.isArray(o.output)) {
    o.output.forEach((p, j) => {
      const b = decodePart(p, `${path}.output[${j}]`);
      result.content.push(b.type === "text" || b.type === "image" || b.type === "document" || b.type === "raw" ? b : { type: "raw", dialect: "openai-responses", value: p });
    });
  } else throw invalidRequest(`${path}.output: expected a string or an array of parts`, `${path}.output`);
  return { role: "tool", content: [result] };
}

function decodeMessage(item: Json, role: Message["role"], path: string): Message {
  const c = item.content;
  if (typeof c === "string") return { role, content: c ? [{ type: "text", text: c }] : [] };
  if (!Array.isArray(c)) throw invalidRequest(`${path}.content: expected a string or an array of parts`, `${path}.content`);
  return { role, content: c.map((p, j) => decodePart(p, `${path}.content[${j}]`)) };
}

function decodeTextFormat(f: unknown): ResponseFormat | undefined {
  if (!isObj(f)) return undefined;
  if (f.type === "text" || f.type === "json_object") return { type: f.type };
  if (f.type !== "json_schema") return undefined;
  const out: ResponseFormat = { type: "json_schema" };
  if (typeof f.name === "string") out.name = f.name;
  if (typeof f.description === "string") out.description = f.description;
  if (isObj(f.schema)) out.schema = f.schema;
  if (typeof f.strict === "boolean") out.strict = f.strict;
  return out;
}

export function decodeResponsesRequest(body: unknown): CanonicalRequest {
  validate(body);
  const b = body as Json;
  const req: CanonicalRequest = { origin: "openai-responses", model: b.model as string, stream: b.stream === true, messages: [] };
  const extra: Json = extraOf(b, KNOWN) ?? {};
  const originOnly: NonNullable<CanonicalRequest["originOnly"]> = [];

  // Tools first: the history's namespaced calls are named like the tools they call.
  const items: unknown[] = Array.isArray(b.input) ? b.input : [];
  const additional = items.flatMap((it, i) => (isObj(it) && it.type === "additional_tools" ? [[it, i] as const] : []));
  const sink: ToolSink = { tools: [], raw: [], originOnly, taken: new Set(), flat: new Map() };
  if (Array.isArray(b.tools)) plainToolNames(b.tools, sink.taken);
  for (const [it] of additional) if (Array.isArray(it.tools)) plainToolNames(it.tools, sink.taken);
  if (Array.isArray(b.tools)) decodeToolList(b.tools, "tools", sink);
  for (const [it, i] of additional) {
    if (!Array.isArray(it.tools)) throw invalidRequest(`input[${i}].tools: expected an array`, `input[${i}].tools`);
    decodeToolList(it.tools, `input[${i}].tools`, sink);
  }
  if (sink.tools.length || Array.isArray(b.tools)) req.tools = sink.tools;
  if (sink.raw.length) req.rawTools = sink.raw;
  const flat = (ns: string, name: string) => sink.flat.get(`${ns}\u0000${name}`) ?? flatName(ns, name);

  if (typeof b.instructions === "string" && b.instructions) req.system = [{ type: "text", text: b.instructions }];
  if (typeof b.input === "string") req.messages.push({ role: "user", content: b.input ? [{ type: "text", text: b.input }] : [] });

  let turn: Message | undefined;
  const assistant = () => (turn ??= { role: "assistant", content: [] });
  const closeTurn = () => {
    if (turn) req.messages.push(turn);
    turn = undefined;
  };
  items.forEach((item, i) => {
    const path = `input[${i}]`;
    if (!isObj(item)) throw invalidRequest(`${path}: expected an input item`, path);
    const type = item.type ?? (item.role !== undefined ? "message" : undefined);
    if (typeof type !== "string") throw invalidRequest(`${path}.type: expected an item type`, `${path}.type`);
    switch (type) {
      case "message":
        if (typeof item.role !== "string" || !ROLES.has(item.role)) {
          throw invalidRequest(`${path}.role: expected one of user, assistant, system, developer`, `${path}.role`);
        }
        if (item.role === "assistant") assistant().content.push(...decodeAssistantMessage(item, path));
        else {
          closeTurn();
          req.messages.push(decodeMessage(item, item.role as Message["role"], path));
        }
        break;
      case "reasoning":
        assistant().content.push(decodeReasoning(item, path));
        break;
      case "function_call":
      case "custom_tool_call":
        assistant().content.push(decodeCall(item, path, flat));
        break;
      case "function_call_output":
      case "custom_tool_call_output":
        closeTurn();
        req.messages.push(decodeOutput(item, path));
        break;
      case "additional_tools":
        break; // its tools were decoded above
      default:
        // Built-in tool calls and their results (web_search_call, computer_call_output, ...): history only a
        // Responses upstream understands; other upstreams leave it out (the assistant's later text tells what
        // they found).
        assistant().content.push({ type: "raw", dialect: "openai-responses", value: item });
        if (STATEFUL_ITEMS[type]) {
          originOnly.push({ param: path, message: `${path}: the ${type} item ${STATEFUL_ITEMS[type]} and can only be sent to an OpenAI Responses upstream` });
        }
    }
  });
  closeTurn();

  if (typeof b.max_output_tokens === "number") req.maxTokens = b.max_output_tokens;
  if (typeof b.temperature === "number") req.temperature = b.temperature;
  if (typeof b.top_p === "number") req.topP = b.top_p;
  if (typeof b.user === "string") req.sessionKey = b.user;
  if (typeof b.parallel_tool_calls === "boolean") req.parallelToolCalls = b.parallel_tool_calls;
  if (b.tool_choice !== undefined) {
    const tc = decodeToolChoice(b.tool_choice);
    const ns = isObj(b.tool_choice) && typeof b.tool_choice.namespace === "string" ? b.tool_choice.namespace : undefined;
    if (tc?.type === "tool" && ns !== undefined) tc.name = flat(ns, tc.name);
    if (tc) req.toolChoice = tc;
    else {
      extra.tool_choice = b.tool_choice;
      const t = (b.tool_choice as Json).type;
      if (t !== "allowed_tools") originOnly.push({ param: "tool_choice", message: `tool_choice: forcing the built-in tool "${String(t)}" needs an OpenAI Responses upstream` });
    }
  }
  if (isObj(b.text)) {
    const { format, ...rest } = b.text;
    const rf = decodeTextFormat(format);
    if (rf) req.responseFormat = rf;
    else if (format !== undefined) rest.format = format;
    if (Object.keys(rest).length) extra.text = rest; // verbosity
  }
  if (isObj(b.reasoning)) {
    const { effort, summary, ...rest } = b.reasoning;
    if (typeof effort === "string") req.reasoningEffort = effort;
    // Summaries are what the client sees of the reasoning; OpenAI sends none unless asked.
    req.includeThoughts = typeof summary === "string" && summary !== "none";
    if (Object.keys(rest).length) extra.reasoning = rest; // context, generate_summary, ...
  }
  if (typeof b.store === "boolean") req.store = b.store;
  if (isObj(b.metadata)) req.metadata = b.metadata;
  if (typeof b.prompt_cache_key === "string") req.promptCacheKey = b.prompt_cache_key;
  if (Array.isArray(b.include)) req.include = b.include as string[];
  if (typeof b.previous_response_id === "string") req.previousResponseId = b.previous_response_id;

  // Server-side features only OpenAI has, and without which the answer would change.
  if (b.conversation != null) originOnly.push({ param: "conversation", message: "conversation: conversations are stored by OpenAI; this model is served by another API (send the whole conversation in input)" });
  if (b.prompt != null) originOnly.push({ param: "prompt", message: "prompt: prompt templates are stored by OpenAI; this model is served by another API" });
  if (b.background === true) originOnly.push({ param: "background", message: "background: background responses need an OpenAI Responses upstream" });

  if (originOnly.length) req.originOnly = originOnly;
  if (Object.keys(extra).length) req.extra = extra;
  return req;
}
