/** Anthropic Messages client body -> canonical request (src/dialects/README.md "Anthropic Messages"). */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest, Message, TextBlock, ThinkingConfig, Tool } from "../../canonical/model.ts";
import { extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { createValidator } from "../shared/validate-body.ts";
import { decodeBlock } from "./blocks.ts";
import { AnthropicRequestSchema } from "./schema.ts";

const validate = createValidator(AnthropicRequestSchema);

/** Fields given a canonical meaning; every other top-level field (service_tier, container, mcp_servers,
 * context_management, inference_geo, newer ones) goes to `extra`, to be reported as dropped. */
const KNOWN = new Set([
  "model", "max_tokens", "messages", "system", "stop_sequences", "temperature", "top_p", "top_k",
  "stream", "metadata", "tools", "tool_choice", "thinking", "output_config",
]);
const K_TOOL = new Set(["name", "description", "input_schema", "cache_control"]);
const K_THINKING = new Set(["type", "budget_tokens", "display"]);

function decodeSystem(system: string | Json[], req: CanonicalRequest) {
  if (typeof system === "string") {
    req.system = system === "" ? [] : [{ type: "text", text: system }];
    return;
  }
  req.system = system.map((b, i) => {
    const block = decodeBlock(b, `system[${i}]`);
    if (block.type !== "text") throw invalidRequest(`system[${i}]: only text blocks are allowed`, `system[${i}].type`);
    return block as TextBlock;
  });
}

function decodeTool(t: Json, i: number): Tool | undefined {
  // Server tools carry a versioned `type` (web_search_20250305, bash_20250124, ...): no canonical form.
  if (typeof t.type === "string" && t.type !== "custom") return undefined;
  const tool: Tool = { name: t.name as string };
  if (typeof t.description === "string") tool.description = t.description;
  if (t.input_schema !== undefined) {
    if (!isObj(t.input_schema)) throw invalidRequest(`tools[${i}].input_schema: expected an object`, `tools[${i}].input_schema`);
    tool.inputSchema = t.input_schema;
  }
  if (isObj(t.cache_control)) tool.cacheControl = t.cache_control as Tool["cacheControl"];
  // `strict`, `defer_loading`, `eager_input_streaming`, `input_examples`, `type:"custom"`: Anthropic-only, reported when dropped.
  const extra = extraOf(t, K_TOOL);
  if (extra) tool.extra = extra;
  return tool;
}

function decodeThinking(t: Json): ThinkingConfig | undefined {
  let out: ThinkingConfig | undefined;
  if (t.type === "enabled" && typeof t.budget_tokens === "number") out = { type: "enabled", budgetTokens: t.budget_tokens };
  else if (t.type === "disabled") out = { type: "disabled" };
  else if (t.type === "adaptive") out = { type: "adaptive" };
  if (!out) return undefined;
  if (typeof t.display === "string" && out.type !== "disabled") out.display = t.display;
  // Any other key makes the object not canonical: the caller puts it whole in extra (reported when dropped).
  return extraOf(t, K_THINKING) ? undefined : out;
}

export function decodeAnthropicRequest(body: unknown): CanonicalRequest {
  validate(body);
  const b = body as Json;
  const req: CanonicalRequest = {
    origin: "anthropic-messages",
    model: b.model as string,
    stream: b.stream === true,
    messages: [],
  };
  const extra: Json = extraOf(b, KNOWN) ?? {};
  if (b.system !== undefined) decodeSystem(b.system as string | Json[], req);

  const msgs = b.messages as Json[];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const msg: Message = { role: m.role as Message["role"], content: [] };
    if (typeof m.content === "string") {
      if (m.content !== "") msg.content.push({ type: "text", text: m.content });
    } else {
      const blocks = m.content as unknown[];
      for (let j = 0; j < blocks.length; j++) msg.content.push(decodeBlock(blocks[j], `messages[${i}].content[${j}]`));
    }
    req.messages.push(msg);
  }

  if (b.max_tokens !== undefined) req.maxTokens = b.max_tokens as number;
  if (b.temperature !== undefined) req.temperature = b.temperature as number;
  if (b.top_p !== undefined) req.topP = b.top_p as number;
  if (b.top_k !== undefined) req.topK = b.top_k as number;
  if (b.stop_sequences !== undefined) req.stop = b.stop_sequences as string[];

  if (b.metadata !== undefined) {
    const md = b.metadata as Json;
    if (typeof md.user_id === "string") req.sessionKey = md.user_id;
    const rest = extraOf(md, new Set(["user_id"]));
    if (rest) extra.metadata = rest;
  }

  if (b.tools !== undefined) {
    const tools: Tool[] = [];
    const raw: unknown[] = [];
    (b.tools as Json[]).forEach((t, i) => {
      const tool = decodeTool(t, i);
      if (tool) tools.push(tool);
      else raw.push(t);
    });
    req.tools = tools;
    if (raw.length) req.rawTools = raw;
  }

  if (b.tool_choice !== undefined) {
    const tc = b.tool_choice as Json;
    if (tc.type === "auto" || tc.type === "none") req.toolChoice = { type: tc.type };
    else if (tc.type === "any") req.toolChoice = { type: "required" };
    else if (tc.type === "tool") {
      if (typeof tc.name !== "string") throw invalidRequest("tool_choice.name: required when type is tool", "tool_choice.name");
      req.toolChoice = { type: "tool", name: tc.name };
    } else throw invalidRequest(`tool_choice.type: unknown value ${JSON.stringify(tc.type)}`, "tool_choice.type");
    if (typeof tc.disable_parallel_tool_use === "boolean") req.parallelToolCalls = !tc.disable_parallel_tool_use;
  }

  if (b.thinking !== undefined) {
    const t = decodeThinking(b.thinking as Json);
    if (t) req.thinking = t;
    else extra.thinking = b.thinking;
  }

  if (b.output_config !== undefined) {
    const oc = b.output_config as Json;
    const rest: Json = {};
    for (const k in oc) {
      const v = oc[k];
      if (k === "effort" && typeof v === "string") req.reasoningEffort = v;
      else if (k === "format" && isObj(v) && v.type === "json_schema" && isObj(v.schema) && Object.keys(v).length === 2) {
        req.responseFormat = { type: "json_schema", schema: v.schema };
      } else rest[k] = v;
    }
    if (Object.keys(rest).length) extra.output_config = rest;
  }

  if (Object.keys(extra).length) req.extra = extra;
  return req;
}
