/**
 * Canonical request (from an Anthropic Messages or legacy Completions client) -> OpenAI Chat Completions upstream
 * body. OpenAI Chat clients never come here: their bytes are piped to OpenAI-dialect upstreams. Each field dropped
 * or changed is reported through `onAdjust` (src/dialects/README.md "Decisions").
 */
import { invalidRequest } from "../../errors.ts";
import { idWithoutSignature } from "../../canonical/tool-call-id.ts";
import type { Block, CanonicalRequest, Message, ToolResultBlock } from "../../canonical/model.ts";
import { effortForBudget, effortForOpenAI } from "../../canonical/map-reasoning-effort.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { reportDroppedExtra, type Json } from "../shared/json-shape.ts";
import { checkForeignRequest } from "../shared/foreign-request.ts";
import { refuseGeminiBuiltInTools } from "../shared/foreign-tools.ts";
import { encodePart } from "./parts.ts";

type Adjust = EncodeRequestOptions["onAdjust"];

const joinText = (blocks: readonly Block[]) => {
  let s = "";
  for (const b of blocks) if (b.type === "text" || b.type === "refusal") s += b.text;
  return s;
};

function encodeParts(blocks: readonly Block[], adjust: Adjust): Json[] {
  const parts: Json[] = [];
  for (const b of blocks) {
    const p = encodePart(b);
    if (p) parts.push(p);
    else if (b.type === "raw") adjust?.("messages.content", `a ${b.dialect} block has no OpenAI equivalent`);
  }
  return parts;
}

function encodeAssistant(m: Message): Json | undefined {
  const calls: Json[] = [];
  const rest: Block[] = [];
  for (const b of m.content) {
    if (b.type === "tool_call") calls.push({ id: idWithoutSignature(b.id), type: "function", function: { name: b.name, arguments: b.arguments } });
    // Thinking is not sent: OpenAI does not know a field for it (its signature would be lost anyway).
    else if (b.type !== "thinking" && b.type !== "redacted_thinking") rest.push(b);
  }
  // Assistant text is one string. With only tool calls, content is null, not "": some converters further down
  // turn "" into an empty Anthropic text block, which Anthropic rejects.
  const text = joinText(rest);
  if (!text && !calls.length) return undefined;
  const out: Json = { role: "assistant", content: text || null };
  if (calls.length) out.tool_calls = calls;
  return out;
}

/** Anthropic tool_result -> OpenAI tool message content: text joined; is_error marked in the text (OpenAI has no flag). */
function toolResultContent(r: ToolResultBlock): string {
  let text = "";
  for (const c of r.content) {
    if (c.type === "text") text += (text ? "\n" : "") + c.text;
    else if (c.type === "document" && c.source.type === "text") text += (text ? "\n" : "") + c.source.data;
  }
  return r.isError ? `Error: ${text}` : text;
}

function encodeMessages(req: CanonicalRequest, adjust: Adjust): Json[] {
  const out: Json[] = [];
  if (req.system?.length) {
    // Anthropic `system` -> one leading system message (cache_control has no OpenAI form).
    out.push({ role: "system", content: req.system.map((b) => b.text).join("\n\n") });
  }
  for (const m of req.messages) {
    if (m.role === "assistant") {
      const a = encodeAssistant(m);
      if (a) out.push(a);
      continue;
    }
    // Tool results become tool messages placed first: OpenAI wants them right after the assistant's tool_calls,
    // before any user text of the same turn. Images inside tool results follow in a user message (OpenAI tool
    // messages hold text only).
    const rest: Block[] = [];
    const toolImages: Json[] = [];
    for (const b of m.content) {
      if (b.type === "tool_result") {
        out.push({ role: "tool", tool_call_id: idWithoutSignature(b.toolCallId), content: toolResultContent(b) });
        for (const c of b.content) {
          if (c.type === "image") toolImages.push(encodePart(c)!);
          else if (c.type === "raw" || (c.type === "document" && c.source.type !== "text")) adjust?.("tool_result.content", `a ${c.type} in a tool result has no OpenAI tool-message form`);
        }
      } else if (b.type === "thinking" || b.type === "redacted_thinking" || b.type === "tool_call") {
        adjust?.("messages.content", `${b.type} outside an assistant message dropped`);
      } else rest.push(b);
    }
    if (toolImages.length) out.push({ role: "user", content: [{ type: "text", text: "Images returned by the tool calls above:" }, ...toolImages] });
    if (!rest.length) continue;
    // A mid-conversation system message (Claude Code sends them) stays a system message at its position. A
    // developer message (Responses clients send their system prompt so) becomes one too: OpenAI treats both alike,
    // and compatible servers that predate `developer` refuse it.
    const role = m.role === "tool" ? "user" : m.role === "developer" ? "system" : m.role;
    const allText = rest.every((b) => b.type === "text");
    // Many OpenAI-compatible servers accept only string content for system messages.
    const content = allText && (role !== "user" || rest.length === 1) ? rest.map((b) => (b as { text: string }).text).join("\n\n") : encodeParts(rest, adjust);
    out.push({ role, content });
  }
  return out;
}

export function encodeOpenAIChatRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const adjust = opts.onAdjust;
  if (req.messages.length === 0 && req.extra?.prompt !== undefined && req.origin === "openai-completions") {
    throw invalidRequest("prompt arrays and token prompts need an OpenAI completions upstream", "prompt");
  }
  refuseGeminiBuiltInTools(req, "an OpenAI-compatible upstream");
  checkForeignRequest(req, "openai-chat", adjust);
  const out: Json = { model: opts.model, messages: encodeMessages(req, adjust) };

  if (req.maxTokens !== undefined) {
    let max = req.maxTokens;
    if (opts.maxOutputTokens !== undefined && max > opts.maxOutputTokens) {
      adjust?.("max_tokens", `clamped from ${max} to the account's max_output_tokens ${opts.maxOutputTokens}`);
      max = opts.maxOutputTokens;
    }
    out[opts.maxTokensField ?? "max_tokens"] = max;
  }
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.n !== undefined) out.n = req.n;
  if (req.seed !== undefined) out.seed = req.seed;
  if (req.presencePenalty !== undefined) out.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) out.frequency_penalty = req.frequencyPenalty;
  if (req.logitBias !== undefined) out.logit_bias = req.logitBias;
  if (req.logprobs !== undefined) out.logprobs = req.logprobs;
  if (req.topLogprobs !== undefined) out.top_logprobs = req.topLogprobs;
  if (req.topK !== undefined) adjust?.("top_k", "OpenAI has no top_k");
  if (req.stop !== undefined) {
    if (req.stop.length > 4) {
      adjust?.("stop", `OpenAI accepts at most 4 stop sequences; ${req.stop.length - 4} dropped`);
      out.stop = req.stop.slice(0, 4);
    } else out.stop = req.stop;
  }
  if (req.sessionKey !== undefined) out.user = req.sessionKey;

  // Tools.
  const tools: Json[] = (req.tools ?? []).map((t) => {
    const fn: Json = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    if (t.inputSchema !== undefined) fn.parameters = t.inputSchema;
    if (t.strict !== undefined) fn.strict = t.strict;
    if (t.extra && Object.keys(t.extra).length) {
      adjust?.("tools", `${Object.keys(t.extra).join(",")} of tool ${t.name} have no OpenAI equivalent (defer_loading is an optimisation; the tool is still sent)`);
    }
    return { type: "function", function: fn };
  });
  if (req.rawTools?.length) adjust?.("tools", "server tools of another dialect have no OpenAI equivalent");
  if (tools.length) out.tools = tools;
  // OpenAI rejects tool_choice and parallel_tool_calls without tools.
  if (tools.length && req.toolChoice) {
    const c = req.toolChoice;
    out.tool_choice = c.type === "tool" ? { type: "function", function: { name: c.name } } : c.type;
  }
  if (tools.length && req.parallelToolCalls !== undefined) out.parallel_tool_calls = req.parallelToolCalls;

  const rf = req.responseFormat;
  if (rf) {
    if (rf.type === "json_schema") {
      const js: Json = { name: rf.name ?? "response" };
      if (rf.description !== undefined) js.description = rf.description;
      if (rf.schema !== undefined) js.schema = rf.schema;
      if (rf.strict !== undefined) js.strict = rf.strict;
      out.response_format = { type: "json_schema", json_schema: js };
    } else out.response_format = { type: rf.type };
  }

  // Reasoning: Anthropic output_config.effort, or the thinking budget by thresholds -> reasoning_effort.
  let effort: string | undefined;
  if (req.reasoningEffort !== undefined) effort = effortForOpenAI(req.reasoningEffort);
  else if (req.thinking?.type === "enabled") effort = effortForBudget(req.thinking.budgetTokens);
  if (effort !== undefined) {
    // Models without reasoning reject the parameter; the account says so (`reasoning: false`).
    if (opts.reasoning === false) adjust?.("reasoning_effort", "dropped: the account's models do not reason");
    else out.reasoning_effort = effort;
  } else if (req.thinking?.type === "adaptive") {
    adjust?.("thinking", "adaptive thinking without an effort leaves the reasoning level to the model");
  }

  if (req.stream) {
    out.stream = true;
    // Usage is always asked of the upstream, or an Anthropic client would see zero tokens; whether the client sees
    // the usage chunk is decided by the stream encoder from the client's own include_usage. (stream_options is
    // only allowed with stream:true: OpenAI answers 400 otherwise. An account whose server rejects it opts out.)
    if (opts.streamUsage !== false) out.stream_options = { include_usage: true };
  }
  reportDroppedExtra(req.extra, `a field of ${req.origin} with no OpenAI equivalent`, adjust);
  return out;
}
