/**
 * Canonical request -> OpenAI Chat Completions upstream body.
 * From an OpenAI Chat client the body is rebuilt faithfully (extras included); from another
 * dialect the §8.1 (read right to left) and §8.3 rules apply, each drop reported via onAdjust.
 */
import { invalidRequest } from "../../errors.ts";
import type { Block, CanonicalRequest, Message, ToolResultBlock } from "../../canonical/model.ts";
import { effortForBudget, effortForOpenAI } from "../../canonical/map-reasoning-effort.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { applyExtra, reportDroppedExtra, type Json } from "../shared/json-shape.ts";
import { encodePart } from "./parts.ts";

type Adjust = EncodeRequestOptions["onAdjust"];

const joinText = (blocks: readonly Block[]) => {
  let s = "";
  for (const b of blocks) if (b.type === "text" || b.type === "refusal") s += b.text;
  return s;
};

/** Content of a system/user/tool message: string when the wire had one, else parts. */
function encodeContent(m: { content: readonly Block[]; contentForm?: string }, faithful: boolean, adjust: Adjust): unknown {
  if (m.contentForm === "null") return null;
  if (m.contentForm === "string" && m.content.every((b) => b.type === "text")) return joinText(m.content);
  const parts: Json[] = [];
  for (const b of m.content) {
    const p = encodePart(b, faithful);
    if (p) parts.push(p);
    else if (b.type === "raw") adjust?.("messages.content", `a ${b.dialect} block has no OpenAI equivalent`);
  }
  return parts;
}

function thinkingFields(m: Message, out: Json, include: boolean) {
  if (!include) return;
  const thinking = m.content.filter((b) => b.type === "thinking" || b.type === "redacted_thinking");
  if (!thinking.length) return;
  let text = "";
  let signed = false;
  for (const b of thinking) {
    if (b.type === "thinking") {
      text += b.text;
      if (b.signature !== undefined) signed = true;
    } else signed = true;
  }
  out.reasoning_content = text;
  // LiteLLM's convention (§8.2.1): signatures travel through OpenAI clients in thinking_blocks.
  if (signed) {
    out.thinking_blocks = thinking.map((b) =>
      b.type === "thinking"
        ? (b.signature !== undefined ? { type: "thinking", thinking: b.text, signature: b.signature } : { type: "thinking", thinking: b.text })
        : { type: "redacted_thinking", data: (b as { data: string }).data },
    );
  }
}

function encodeToolCall(b: Extract<Block, { type: "tool_call" }>, faithful: boolean): Json {
  const fn: Json = { name: b.name, arguments: b.arguments };
  const out: Json = { id: b.id, type: "function", function: fn };
  if (faithful && b.extra) {
    const { __function, __noType, ...rest } = b.extra;
    applyExtra(fn, __function as Json | undefined);
    if (__noType) delete out.type;
    applyExtra(out, rest);
  }
  return out;
}

function encodeAssistant(m: Message, faithful: boolean, opts: EncodeRequestOptions): Json | undefined {
  const out: Json = { role: "assistant" };
  const calls: Json[] = [];
  const rest: Block[] = [];
  for (const b of m.content) {
    if (b.type === "tool_call") calls.push(encodeToolCall(b, faithful));
    else if (b.type === "raw" && b.dialect === "openai-chat" && (b.value as Json).function === undefined) calls.push(b.value as Json);
    else if (b.type !== "thinking" && b.type !== "redacted_thinking") rest.push(b);
  }
  thinkingFields(m, out, faithful || opts.sendReasoningContent === true);
  if (faithful) {
    if (m.contentForm !== "absent") out.content = encodeContent({ content: rest, contentForm: m.contentForm }, true, opts.onAdjust);
  } else {
    // §8.3: assistant text is one string; only tool calls -> content null, not "" (hermes-agent PR 11929).
    const text = joinText(rest);
    if (!text && !calls.length && out.reasoning_content === undefined) return undefined;
    out.content = text || (calls.length ? null : "");
  }
  if (calls.length) out.tool_calls = calls;
  if (faithful) applyExtra(out, m.extra);
  return out;
}

/** Anthropic tool_result -> OpenAI tool message content (§8.3): text joined; is_error marked in text. */
function toolResultContent(r: ToolResultBlock, faithful: boolean, adjust: Adjust): unknown {
  if (faithful) return encodeContent({ content: r.content, contentForm: r.contentString ? "string" : "parts" }, true, adjust);
  let text = "";
  for (const c of r.content) {
    if (c.type === "text") text += (text ? "\n" : "") + c.text;
    else if (c.type === "document" && c.source.type === "text") text += (text ? "\n" : "") + c.source.data;
  }
  // OpenAI has no error flag on tool messages.
  return r.isError ? `Error: ${text}` : text;
}

function encodeMessages(req: CanonicalRequest, faithful: boolean, opts: EncodeRequestOptions): Json[] {
  const adjust = opts.onAdjust;
  const out: Json[] = [];
  if (req.system?.length) {
    // §8.3: Anthropic `system` -> one leading system message (cache_control has no OpenAI form).
    out.push({ role: "system", content: req.system.map((b) => b.text).join("\n\n") });
  }
  for (const m of req.messages) {
    if (m.role === "assistant") {
      const a = encodeAssistant(m, faithful, opts);
      if (a) out.push(a);
      continue;
    }
    if (m.role === "tool") {
      const r = m.content.find((b) => b.type === "tool_result") as ToolResultBlock | undefined;
      if (!r) continue;
      const t: Json = { role: "tool", tool_call_id: r.toolCallId, content: toolResultContent(r, faithful, adjust) };
      if (faithful) applyExtra(t, m.extra);
      out.push(t);
      continue;
    }
    if (faithful) {
      const o: Json = { role: m.role };
      if (m.contentForm !== "absent") o.content = encodeContent(m, true, adjust);
      applyExtra(o, m.extra);
      out.push(o);
      continue;
    }
    // Cross-dialect user/system message: tool results become tool messages placed first (§8.3,
    // pitfall 19); images inside tool results follow in a user message (no image in OpenAI tool messages).
    const rest: Block[] = [];
    const toolImages: Json[] = [];
    for (const b of m.content) {
      if (b.type === "tool_result") {
        out.push({ role: "tool", tool_call_id: b.toolCallId, content: toolResultContent(b, false, adjust) });
        for (const c of b.content) {
          if (c.type === "image") toolImages.push(encodePart(c, false)!);
          else if (c.type === "raw" || (c.type === "document" && c.source.type !== "text")) adjust?.("tool_result.content", `a ${c.type} in a tool result has no OpenAI tool-message form`);
        }
      } else if (b.type === "thinking" || b.type === "redacted_thinking" || b.type === "tool_call") {
        adjust?.("messages.content", `${b.type} outside an assistant message dropped`);
      } else rest.push(b);
    }
    if (toolImages.length) out.push({ role: "user", content: [{ type: "text", text: "Images returned by the tool calls above:" }, ...toolImages] });
    if (!rest.length) continue;
    const role = m.role === "developer" ? "developer" : m.role;
    const allText = rest.every((b) => b.type === "text");
    // Many OpenAI-compatible servers accept only string content for system messages.
    const content = allText && (role !== "user" || rest.length === 1) ? rest.map((b) => (b as { text: string }).text).join("\n\n") : encodeContent({ content: rest }, false, adjust);
    out.push({ role, content });
  }
  return out;
}

export function encodeOpenAIChatRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const faithful = req.origin === "openai-chat";
  const adjust = opts.onAdjust;
  if (req.messages.length === 0 && req.extra?.prompt !== undefined && req.origin === "openai-completions") {
    throw invalidRequest("prompt arrays and token prompts need an OpenAI completions upstream", "prompt");
  }
  const out: Json = { model: opts.model, messages: encodeMessages(req, faithful, opts) };

  if (req.maxTokens !== undefined) {
    let max = req.maxTokens;
    if (opts.maxOutputTokens !== undefined && max > opts.maxOutputTokens) {
      adjust?.("max_tokens", `clamped from ${max} to the model limit ${opts.maxOutputTokens}`);
      max = opts.maxOutputTokens;
    }
    out[(faithful ? req.maxTokensField : undefined) ?? opts.maxTokensField ?? req.maxTokensField ?? "max_tokens"] = max;
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
  if (req.topK !== undefined) {
    if (faithful) out.top_k = req.topK; // a non-standard extension the client chose to send
    else adjust?.("top_k", "OpenAI has no top_k");
  }
  if (req.stop !== undefined) {
    if (faithful && req.stopString && req.stop.length === 1) out.stop = req.stop[0];
    else if (!faithful && req.stop.length > 4) {
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
    const o: Json = { type: "function", function: fn };
    if (faithful) {
      if (t.cacheControl) o.cache_control = t.cacheControl;
      if (t.extra) {
        const { __outer, ...rest } = t.extra;
        applyExtra(fn, rest);
        applyExtra(o, __outer as Json | undefined);
      }
    } else if (t.extra && Object.keys(t.extra).length) {
      adjust?.("tools", `${Object.keys(t.extra).join(",")} of tool ${t.name} have no OpenAI equivalent (defer_loading is an optimisation; the tool is still sent)`);
    }
    return o;
  });
  if (faithful && req.rawTools?.length) {
    const order = req.extra?.__toolOrder as number[] | undefined;
    let ci = 0, ri = 0;
    out.tools = order ? order.map((k) => (k ? req.rawTools![ri++] : tools[ci++])) : [...tools, ...req.rawTools];
  } else {
    if (req.rawTools?.length) adjust?.("tools", "server tools of another dialect have no OpenAI equivalent");
    if (tools.length || (faithful && req.tools)) out.tools = tools;
  }
  const hasTools = Array.isArray(out.tools) && (out.tools as unknown[]).length > 0;
  if (req.toolChoice && (faithful || hasTools)) {
    const c = req.toolChoice;
    out.tool_choice = c.type === "tool" ? { type: "function", function: { name: c.name } } : c.type;
  }
  // OpenAI rejects parallel_tool_calls without tools.
  if (req.parallelToolCalls !== undefined && (faithful || hasTools)) out.parallel_tool_calls = req.parallelToolCalls;

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

  // Reasoning (§8.1 reverse): Anthropic output_config.effort or thinking budget -> reasoning_effort.
  let effort: string | undefined;
  if (req.reasoningEffort !== undefined) effort = faithful ? req.reasoningEffort : effortForOpenAI(req.reasoningEffort);
  else if (!faithful && req.thinking?.type === "enabled") effort = effortForBudget(req.thinking.budgetTokens);
  if (effort !== undefined) {
    if (opts.reasoning === false) adjust?.("reasoning_effort", "dropped: this upstream model does not reason");
    else out.reasoning_effort = effort;
  }
  if (faithful && req.thinking) {
    const t = req.thinking;
    out.thinking = t.type === "enabled" ? { type: "enabled", budget_tokens: t.budgetTokens } : { type: t.type };
  } else if (!faithful && req.thinking?.type === "adaptive" && effort === undefined) {
    adjust?.("thinking", "adaptive thinking without an effort leaves the reasoning level to the model");
  }

  if (req.stream) {
    out.stream = true;
    // Usage is always asked of the upstream (pitfall 6); whether the client sees it is decided by
    // the stream encoder from the client's own include_usage.
    const rest = faithful && req.extra?.stream_options ? (req.extra.stream_options as Json) : {};
    out.stream_options = { ...rest, include_usage: true };
  }
  if (faithful) {
    const { __toolOrder: _o, stream_options: _so, ...rest } = req.extra ?? {};
    // stream_options is only allowed with stream:true (pitfall 7): a non-streaming re-encode drops it.
    applyExtra(out, rest);
  } else {
    reportDroppedExtra(req.extra, `a field of ${req.origin} with no OpenAI equivalent`, adjust);
  }
  return out;
}
