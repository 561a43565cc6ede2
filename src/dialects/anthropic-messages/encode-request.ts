/**
 * Canonical request -> Anthropic Messages upstream body.
 *
 * From an Anthropic client (`origin` anthropic-messages) the body is rebuilt faithfully, extra
 * fields included. From any other dialect the conversion of WIRE_FORMATS.md §8.1/§8.2 applies;
 * each field dropped or changed says why beside the code and is reported through `onAdjust`.
 */
import { GatewayError, invalidRequest } from "../../errors.ts";
import type { CanonicalRequest, Message, TextBlock } from "../../canonical/model.ts";
import { budgetForEffort, MIN_THINKING_BUDGET } from "../../canonical/map-reasoning-effort.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { applyExtra, reportDroppedExtra, type Json } from "../shared/json-shape.ts";
import { encodeBlock } from "./blocks.ts";

/**
 * json_object has no native Anthropic equivalent (§8.1); a system instruction is the portable method.
 * json_schema uses native structured outputs (`output_config.format`), see src/dialects/README.md.
 */
export const JSON_OBJECT_INSTRUCTION = "Respond only with a single valid JSON object, without any text before or after it.";

const ID_OK = /^[a-zA-Z0-9_-]+$/;
/** §8.2 step 6: ids must match ^[a-zA-Z0-9_-]+$; the same deterministic mapping applies to tool_use and tool_result. */
export const sanitizeToolId = (id: string) => (ID_OK.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, "_") || "toolu_empty");

type AMsg = { role: "user" | "assistant" | "system"; content: Json[] };

function textBlocksOf(m: Message): TextBlock[] {
  const out: TextBlock[] = [];
  for (const b of m.content) if (b.type === "text" && b.text !== "") out.push(b);
  return out;
}

function encodeContent(m: Message, faithful: boolean): string | Json[] {
  if (faithful && m.contentForm === "string" && m.content.every((b) => b.type === "text")) {
    return m.content.length ? (m.content[0] as TextBlock).text : "";
  }
  const out: Json[] = [];
  for (const b of m.content) {
    // Thinking without a signature (from an OpenAI-style upstream, or signature "") is always rejected
    // by Anthropic (§8.4): dropped.
    if (b.type === "thinking" && !b.signature) continue;
    const e = encodeBlock(b, faithful);
    if (e) out.push(e);
  }
  return out;
}

/** §8.2: the cross-dialect message algorithm. Returns system blocks hoisted out of the messages. */
function convertMessages(req: CanonicalRequest, opts: EncodeRequestOptions): { system: Json[]; messages: AMsg[] } {
  const system: Json[] = [];
  const out: AMsg[] = [];
  const adjust = opts.onAdjust;
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") {
      // Policy (§8.1): every system/developer message is hoisted into `system`, in order, keeping its
      // blocks (and cache_control). Mid-conversation ones move to the front: plain Anthropic accounts
      // reject role "system" in messages; the order change is the documented cost.
      for (const t of textBlocksOf(m)) system.push(encodeBlock(t, false)!);
      continue;
    }
    if (m.role === "tool") {
      const blocks: Json[] = [];
      for (const b of m.content) {
        if (b.type !== "tool_result") continue;
        const e = encodeBlock(b, false)!;
        e.tool_use_id = sanitizeToolId(b.toolCallId);
        blocks.push(e);
      }
      out.push({ role: "user", content: blocks });
      continue;
    }
    const content: Json[] = [];
    for (const b of m.content) {
      if (b.type === "text" && b.text === "") continue; // §8.2 step 5: text blocks must be non-empty
      if (b.type === "thinking" && !b.signature) {
        adjust?.("messages.thinking", "thinking without a signature cannot be sent to Anthropic");
        continue;
      }
      if (b.type === "audio") {
        throw invalidRequest("input_audio content is not supported by Anthropic upstreams", "messages.content.input_audio");
      }
      if (b.type === "raw") {
        adjust?.("messages.content", `a ${b.dialect} content part has no Anthropic equivalent`);
        continue;
      }
      if (b.type === "document" && b.source.type === "file") {
        throw invalidRequest("file_id references cannot be resolved for an Anthropic upstream", "messages.content.file.file_id");
      }
      const e = encodeBlock(b, false);
      if (!e) continue;
      if (b.type === "tool_call") e.id = sanitizeToolId(b.id);
      if (b.type === "tool_result") e.tool_use_id = sanitizeToolId(b.toolCallId);
      content.push(e);
    }
    const role = m.role === "assistant" ? "assistant" : "user";
    if (role === "assistant") {
      // Thinking blocks first (§8.2 "re-attach preserved thinking blocks first").
      content.sort((a, b) => rank(a) - rank(b));
    }
    out.push({ role, content });
  }

  // Merge adjacent same-role messages (§8.2 step 3); tool_result blocks first in a user message (pitfall 17).
  const merged: AMsg[] = [];
  for (const m of out) {
    const prev = merged[merged.length - 1];
    if (prev && prev.role === m.role) prev.content.push(...m.content);
    else merged.push({ role: m.role, content: [...m.content] });
  }
  for (let i = 0; i < merged.length; i++) {
    const m = merged[i]!;
    if (m.role !== "user") continue;
    if (m.content.some((b) => b.type === "tool_result")) {
      const prev = merged[i - 1];
      const order = new Map<string, number>();
      if (prev?.role === "assistant") prev.content.forEach((b, k) => b.type === "tool_use" && order.set(b.id as string, k));
      const results = m.content.filter((b) => b.type === "tool_result");
      results.sort((a, b) => (order.get(a.tool_use_id as string) ?? 1e9) - (order.get(b.tool_use_id as string) ?? 1e9));
      m.content = [...results, ...m.content.filter((b) => b.type !== "tool_result")];
    }
  }
  // §8.2 step 4: every tool_use must be answered in the very next message. Dangling calls (a client
  // that crashed mid-loop) get a synthesized error result instead of an Anthropic 400.
  for (let i = 0; i < merged.length - 1; i++) {
    const m = merged[i]!;
    if (m.role !== "assistant") continue;
    const ids = m.content.filter((b) => b.type === "tool_use").map((b) => b.id as string);
    if (!ids.length) continue;
    let next = merged[i + 1]!;
    if (next.role !== "user") {
      next = { role: "user", content: [] };
      merged.splice(i + 1, 0, next);
    }
    const answered = new Set(next.content.filter((b) => b.type === "tool_result").map((b) => b.tool_use_id as string));
    const missing = ids.filter((id) => !answered.has(id));
    if (missing.length) {
      adjust?.("messages.tool_result", `no result for tool call(s) ${missing.join(", ")}; sent as errors`);
      const synth = missing.map((id) => ({ type: "tool_result", tool_use_id: id, content: "(no result)", is_error: true }));
      const firstNonResult = next.content.findIndex((b) => b.type !== "tool_result");
      next.content.splice(firstNonResult < 0 ? next.content.length : firstNonResult, 0, ...synth);
    }
  }
  // §8.2 step 5: drop empty messages except a final assistant prefill; right-trim the prefill (pitfall 21).
  const final: AMsg[] = [];
  merged.forEach((m, i) => {
    const last = i === merged.length - 1;
    if (m.content.length === 0 && !(last && m.role === "assistant")) return;
    final.push(m);
  });
  const tail = final[final.length - 1];
  if (tail?.role === "assistant") {
    const lastBlock = tail.content[tail.content.length - 1];
    if (lastBlock?.type === "text") {
      lastBlock.text = (lastBlock.text as string).trimEnd();
      if (lastBlock.text === "") tail.content.pop();
    }
    if (tail.content.length === 0) final.pop();
  }
  // §8.2 step 7: the conversation must start with a user turn.
  if (final.length && final[0]!.role !== "user") final.unshift({ role: "user", content: [{ type: "text", text: "." }] });
  return { system, messages: final };
}

const rank = (b: Json) => (b.type === "thinking" || b.type === "redacted_thinking" ? 0 : 1);

export function encodeAnthropicRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const faithful = req.origin === "anthropic-messages";
  const adjust = opts.onAdjust;
  if (req.n !== undefined && req.n > 1) {
    throw new GatewayError(400, "invalid_request", "n > 1 is not supported by Anthropic upstreams; send n separate requests", { param: "n" });
  }
  if (req.messages.length === 0 && req.extra?.prompt !== undefined && req.origin === "openai-completions") {
    throw invalidRequest("prompt arrays and token prompts need an OpenAI completions upstream", "prompt");
  }
  const out: Json = { model: opts.model };
  let maxTokens = req.maxTokens ?? opts.defaultMaxTokens;
  if (opts.maxOutputTokens !== undefined && maxTokens > opts.maxOutputTokens) {
    adjust?.("max_tokens", `clamped from ${maxTokens} to the model limit ${opts.maxOutputTokens}`);
    maxTokens = opts.maxOutputTokens;
  }
  out.max_tokens = maxTokens;

  let system: Json[] = [];
  if (faithful) {
    out.messages = req.messages.map((m) => {
      const o: Json = { role: m.role, content: encodeContent(m, true) };
      applyExtra(o, m.extra);
      return o;
    });
    if (req.system) {
      if (req.systemString && req.system.length <= 1) out.system = req.system.length ? req.system[0]!.text : "";
      else out.system = req.system.map((b) => encodeBlock(b, true)!);
    }
  } else {
    const conv = convertMessages(req, opts);
    out.messages = conv.messages;
    system = [...(req.system ?? []).map((b) => encodeBlock(b, false)!), ...conv.system];
  }

  if (req.stop !== undefined) out.stop_sequences = req.stop;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.topK !== undefined) out.top_k = req.topK;
  if (req.temperature !== undefined) {
    // Anthropic accepts 0..1, OpenAI 0..2 (§8.1): clamping is the common choice (scaling changes the meaning of 1).
    if (!faithful && req.temperature > 1) {
      adjust?.("temperature", `clamped from ${req.temperature} to 1 (Anthropic range is 0..1)`);
      out.temperature = 1;
    } else out.temperature = req.temperature;
  }
  if (req.sessionKey !== undefined) out.metadata = { user_id: req.sessionKey };
  if (!faithful) {
    if (req.seed !== undefined) adjust?.("seed", "Anthropic has no seed");
    if (req.presencePenalty !== undefined || req.frequencyPenalty !== undefined) adjust?.("presence_penalty/frequency_penalty", "Anthropic has no penalties");
    if (req.logprobs || req.logitBias) adjust?.("logprobs/logit_bias", "Anthropic returns no log probabilities");
  }

  // Tools.
  if (req.tools !== undefined || req.rawTools !== undefined) {
    const tools = (req.tools ?? []).map((t) => {
      const o: Json = { name: t.name };
      if (t.description !== undefined) o.description = t.description;
      else if (!faithful) o.description = "";
      // Anthropic requires input_schema of type object (§5.4); OpenAI may omit `parameters`.
      o.input_schema = t.inputSchema ?? { type: "object", properties: {} };
      if (t.cacheControl) o.cache_control = t.cacheControl;
      if (faithful) applyExtra(o, t.extra);
      else if (t.strict !== undefined) adjust?.("tools.strict", "not sent: older Anthropic API versions reject it");
      return o;
    });
    if (faithful && req.rawTools?.length) {
      const order = req.extra?.__toolOrder as number[] | undefined;
      if (order) {
        let ci = 0, ri = 0;
        out.tools = order.map((k) => (k ? req.rawTools![ri++] : tools[ci++]));
      } else out.tools = [...tools, ...req.rawTools];
    } else {
      if (req.rawTools?.length) adjust?.("tools", "non-function tools of another dialect have no Anthropic equivalent");
      if (tools.length || faithful) out.tools = tools;
    }
  }
  const hasTools = Array.isArray(out.tools) && (out.tools as unknown[]).length > 0;
  if (req.toolChoice || req.parallelToolCalls !== undefined) {
    let tc: Json | undefined;
    const c = req.toolChoice;
    if (c) tc = c.type === "required" ? { type: "any" } : c.type === "tool" ? { type: "tool", name: c.name } : { type: c.type };
    if (req.parallelToolCalls !== undefined && (faithful || (hasTools && req.parallelToolCalls === false))) {
      tc ??= { type: "auto" };
      // `none` takes no flag; the flag on auto/any/tool only (§5.2).
      if (tc.type !== "none" || faithful) tc.disable_parallel_tool_use = !req.parallelToolCalls;
    }
    if (tc && (faithful || hasTools)) out.tool_choice = tc;
  }

  // Thinking.
  let thinking: Json | undefined;
  if (req.thinking) {
    const t = req.thinking;
    thinking = t.type === "enabled" ? { type: "enabled", budget_tokens: t.budgetTokens } : { type: t.type };
    if (t.type !== "disabled" && t.display !== undefined) thinking.display = t.display;
  } else if (!faithful && req.reasoningEffort !== undefined) {
    const budget = budgetForEffort(req.reasoningEffort);
    if (budget !== undefined) thinking = { type: "enabled", budget_tokens: budget };
  }
  if (thinking && !faithful && thinking.type === "enabled") {
    // §5.10: budget >= 1024 and < max_tokens. max_tokens stays what the client asked (OpenAI's limit
    // includes reasoning); the budget gives way, or thinking is dropped when no budget fits.
    const budget = thinking.budget_tokens as number;
    if (maxTokens <= MIN_THINKING_BUDGET) {
      adjust?.("reasoning_effort", `dropped: max_tokens ${maxTokens} leaves no room for a thinking budget`);
      thinking = undefined;
    } else if (budget >= maxTokens) thinking.budget_tokens = maxTokens - 1;
  }
  if (thinking && !faithful && thinking.type !== "disabled") {
    // §5.10: forced tool use and thinking are incompatible; the explicit tool choice wins.
    if (req.toolChoice?.type === "required" || req.toolChoice?.type === "tool") {
      adjust?.("reasoning_effort", "dropped: thinking cannot be combined with a forced tool_choice");
      thinking = undefined;
    } else {
      // §8.2.1: a tool loop whose last assistant turn lost its thinking blocks (an OpenAI client that
      // did not echo thinking_blocks) would get a 400; continuing without thinking is accepted.
      const msgs = out.messages as AMsg[];
      const lastAssistant = [...msgs].reverse().find((m) => m.role === "assistant");
      if (lastAssistant && lastAssistant.content.some((b) => b.type === "tool_use") && !["thinking", "redacted_thinking"].includes(lastAssistant.content[0]?.type as string)) {
        adjust?.("reasoning_effort", "dropped: the last assistant tool call has no thinking block to send back");
        thinking = undefined;
      }
    }
  }
  if (thinking) {
    out.thinking = thinking;
    if (!faithful && thinking.type !== "disabled") {
      // §5.10: temperature/top_k must not be set and top_p must be >= 0.95 with thinking.
      if (out.temperature !== undefined) { adjust?.("temperature", "dropped: not allowed with thinking"); delete out.temperature; }
      if (out.top_k !== undefined) { adjust?.("top_k", "dropped: not allowed with thinking"); delete out.top_k; }
      if (typeof out.top_p === "number" && out.top_p < 0.95) { adjust?.("top_p", "dropped: must be >= 0.95 with thinking"); delete out.top_p; }
    }
  }

  // Structured output (src/dialects/README.md "response_format towards Anthropic").
  const rf = req.responseFormat;
  const outputConfig: Json | undefined = faithful && req.extra?.output_config ? { ...(req.extra.output_config as Json) } : undefined;
  let oc = outputConfig;
  if (faithful && req.reasoningEffort !== undefined) (oc ??= {}).effort = req.reasoningEffort;
  if (rf?.type === "json_schema") {
    (oc ??= {}).format = { type: "json_schema", schema: rf.schema ?? { type: "object" } };
    if (!faithful && rf.strict === false) adjust?.("response_format.strict", "Anthropic structured outputs are always strict");
  } else if (rf?.type === "json_object") {
    system.push({ type: "text", text: JSON_OBJECT_INSTRUCTION });
  }
  if (oc) out.output_config = oc;

  if (!faithful && system.length) out.system = system;
  if (req.stream) out.stream = true;
  if (faithful) {
    const { __toolOrder: _order, output_config: _oc, metadata, ...rest } = req.extra ?? {};
    if (metadata !== undefined) out.metadata = { ...(metadata as Json), ...(out.metadata as Json | undefined) };
    applyExtra(out, rest);
  } else {
    reportDroppedExtra(req.extra, `a field of ${req.origin} with no Anthropic equivalent`, adjust);
  }
  return out;
}
