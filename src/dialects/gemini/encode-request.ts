/**
 * Canonical request (from an OpenAI, Anthropic or legacy Completions client) -> Gemini `generateContent` body.
 * Gemini clients never come here towards a Gemini upstream: their bytes are piped. The model and streaming go
 * into the URL (src/providers/gemini.ts), not the body. Each field dropped or changed is reported through
 * `onAdjust` (src/dialects/README.md "Gemini").
 */
import { GatewayError, invalidRequest } from "../../errors.ts";
import type { Block, CanonicalRequest, Message, ToolResultBlock } from "../../canonical/model.ts";
import { geminiBudgetForEffort, geminiLevelForEffort, geminiUsesThinkingLevel } from "../../canonical/map-reasoning-effort.ts";
import { SKIP_THOUGHT_SIGNATURE, splitToolCallId } from "../../canonical/tool-call-id.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { checkForeignRequest } from "../shared/foreign-request.ts";
import { isObj, reportDroppedExtra, type Json } from "../shared/json-shape.ts";

type Adjust = EncodeRequestOptions["onAdjust"];
type Content = { role: "user" | "model"; parts: Json[] };

/** Gemini accepts at most 5 stop sequences. */
const MAX_STOP = 5;

const IMAGE_TYPES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", pdf: "application/pdf" };

/** A URL source becomes `fileData`; its media type from the file extension when it has a known one. */
function fileData(url: string): Json {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = ext ? IMAGE_TYPES[ext] : undefined;
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

function mediaPart(b: Block, adjust: Adjust): Json | undefined {
  if (b.type === "image" || b.type === "document") {
    const s = b.source;
    switch (s.type) {
      case "base64":
        return { inlineData: { mimeType: s.mediaType, data: s.data } };
      case "url":
        return fileData(s.url);
      case "text":
        return { text: b.type === "document" && b.title ? `${b.title}\n\n${s.data}` : s.data };
      case "content": {
        const texts = Array.isArray(s.content) ? (s.content as Json[]).filter((c) => c.type === "text").map((c) => String(c.text)) : [];
        return { text: texts.join("\n\n") };
      }
      case "file":
        throw invalidRequest("file_id references cannot be resolved for a Gemini upstream", "messages.content.file.file_id");
    }
  }
  if (b.type === "audio") return { inlineData: { mimeType: `audio/${b.format === "mp3" ? "mpeg" : b.format}`, data: b.data } };
  if (b.type === "raw") {
    if (b.dialect === "gemini") return b.value as Json;
    adjust?.("messages.content", `a ${b.dialect} block has no Gemini equivalent`);
  }
  return undefined;
}

/** Tool-call arguments (JSON text) as Gemini's `args` object; text that is not a JSON object is kept as `{_raw}`. */
function argsObject(args: string): Json {
  if (!args) return {};
  try {
    const v = JSON.parse(args);
    return isObj(v) ? v : { _raw: args };
  } catch {
    return { _raw: args };
  }
}

/** A tool result as Gemini's `response` object (which must be an object): `{result}` or, for errors, `{error}`. */
function functionResponse(r: ToolResultBlock, name: string, id: string, media: Json[], adjust: Adjust): Json {
  let text = "";
  for (const c of r.content) {
    if (c.type === "text") text += (text ? "\n" : "") + c.text;
    else if (c.type === "document" && c.source.type === "text") text += (text ? "\n" : "") + c.source.data;
    else {
      const p = mediaPart(c, adjust);
      if (p) media.push(p);
    }
  }
  return { functionResponse: { name, id, response: r.isError ? { error: text } : { result: text } } };
}

function assistantParts(m: Message, names: Map<string, string>, adjust: Adjust): Json[] {
  const parts: Json[] = [];
  for (const b of m.content) {
    switch (b.type) {
      case "text":
        if (b.text !== "" || b.thoughtSignature) parts.push(b.thoughtSignature ? { text: b.text, thoughtSignature: b.thoughtSignature } : { text: b.text });
        break;
      case "refusal":
        if (b.text) parts.push({ text: b.text });
        break;
      case "tool_call": {
        const { id, signature } = splitToolCallId(b.id);
        names.set(b.id, b.name);
        const part: Json = { functionCall: { name: b.name, args: argsObject(b.arguments), id } };
        const sig = b.thoughtSignature ?? signature;
        if (sig) part.thoughtSignature = sig;
        parts.push(part);
        break;
      }
      case "thinking":
      case "redacted_thinking":
        // Gemini does not take thought text back; what it needs is the signatures on the other parts.
        break;
      default: {
        const p = mediaPart(b, adjust);
        if (p) parts.push(p);
      }
    }
  }
  // Gemini 3 refuses a turn whose first function call lacks its signature. History from another model or a
  // signature that did not fit into the id has none: Gemini's documented skip value stands in for it.
  const first = parts.find((p) => p.functionCall !== undefined);
  if (first && first.thoughtSignature === undefined) {
    first.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
    adjust?.("thoughtSignature", "a function call without Gemini's thought signature was sent with the skip value");
  }
  return parts;
}

function encodeContents(req: CanonicalRequest, adjust: Adjust): { system: Json[]; contents: Content[] } {
  const system: Json[] = (req.system ?? []).map((b) => ({ text: b.text }));
  const out: Content[] = [];
  /** Tool-call id (as the client sent it) -> function name: tool results carry only the id. */
  const names = new Map<string, string>();
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") {
      // Gemini has no system role: hoisted into systemInstruction in order (never sent as a user turn, which
      // weakens instructions). The order change is the cost, as for Anthropic.
      for (const b of m.content) if (b.type === "text" && b.text) system.push({ text: b.text });
      continue;
    }
    if (m.role === "assistant") {
      const parts = assistantParts(m, names, adjust);
      if (parts.length) out.push({ role: "model", parts });
      continue;
    }
    const parts: Json[] = [];
    const media: Json[] = [];
    for (const b of m.content) {
      if (b.type === "tool_result") {
        parts.push(functionResponse(b, names.get(b.toolCallId) ?? splitToolCallId(b.toolCallId).id, splitToolCallId(b.toolCallId).id, media, adjust));
      } else if (b.type === "text") {
        if (b.text) parts.push({ text: b.text });
      } else if (b.type === "thinking" || b.type === "redacted_thinking" || b.type === "tool_call") {
        adjust?.("messages.content", `${b.type} outside an assistant message dropped`);
      } else {
        const p = mediaPart(b, adjust);
        if (p) parts.push(p);
      }
    }
    // Images a tool returned follow the function responses of the same turn.
    parts.push(...media);
    if (parts.length) out.push({ role: "user", parts });
  }
  // Same-role turns are merged (Gemini wants them alternating); function responses first in a user turn, in the
  // order of the previous turn's calls, one for each call (Gemini checks the counts match).
  const merged: Content[] = [];
  for (const c of out) {
    const prev = merged[merged.length - 1];
    if (prev && prev.role === c.role) prev.parts.push(...c.parts);
    else merged.push({ role: c.role, parts: [...c.parts] });
  }
  for (let i = 0; i < merged.length; i++) {
    const m = merged[i]!;
    if (m.role !== "model") continue;
    const calls = m.parts.filter((p) => p.functionCall !== undefined).map((p) => p.functionCall as Json);
    if (!calls.length) continue;
    let next = merged[i + 1];
    if (!next || next.role !== "user") {
      if (!next && i === merged.length - 1) continue; // the client continues the model's turn itself
      next = { role: "user", parts: [] };
      merged.splice(i + 1, 0, next);
    }
    const responses = next.parts.filter((p) => p.functionResponse !== undefined);
    const rest = next.parts.filter((p) => p.functionResponse === undefined);
    const ordered: Json[] = [];
    for (const c of calls) {
      const k = responses.findIndex((r) => (r.functionResponse as Json).id === c.id);
      if (k >= 0) ordered.push(...responses.splice(k, 1));
      else {
        adjust?.("messages.tool_result", `no result for tool call ${String(c.id)}; sent as an error`);
        ordered.push({ functionResponse: { name: c.name, id: c.id, response: { error: "(no result)" } } });
      }
    }
    // Results naming no call of that turn are the client's mistake: kept (after the matched ones), for Gemini to judge.
    if (responses.length) adjust?.("messages.tool_result", `${responses.length} tool result(s) match no call of the previous turn`);
    next.parts = [...ordered, ...responses, ...rest];
  }
  return { system, contents: merged };
}

function thinkingConfig(req: CanonicalRequest, opts: EncodeRequestOptions): Json | undefined {
  const adjust = opts.onAdjust;
  const level = geminiUsesThinkingLevel(opts.model);
  let config: Json | undefined;
  if (req.reasoningEffort !== undefined) {
    config = level ? { thinkingLevel: geminiLevelForEffort(req.reasoningEffort) } : { thinkingBudget: geminiBudgetForEffort(req.reasoningEffort, opts.model) };
  } else if (req.thinking) {
    const t = req.thinking;
    const budget = t.type === "enabled" ? t.budgetTokens : t.type === "disabled" ? 0 : -1;
    config = { thinkingBudget: budget === 0 && /pro/i.test(opts.model) ? 128 : budget };
  }
  if (!config && req.includeThoughts === undefined) return undefined;
  if (opts.reasoning === false) {
    adjust?.("thinkingConfig", "dropped: the account's models do not reason");
    return undefined;
  }
  config ??= {};
  // Thought summaries come back when the client wants to see thinking: Anthropic's `display: "omitted"` says not.
  const display = req.thinking && req.thinking.type !== "disabled" ? req.thinking.display : undefined;
  const off = req.thinking?.type === "disabled" || req.reasoningEffort === "none";
  config.includeThoughts = req.includeThoughts ?? (!off && display !== "omitted");
  return config;
}

export function encodeGeminiRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown> {
  const adjust = opts.onAdjust;
  if (req.n !== undefined && req.n > 1) {
    throw new GatewayError(400, "invalid_request", "n > 1 is not supported towards Gemini upstreams; send n separate requests", { param: "n" });
  }
  if (req.messages.length === 0 && req.extra?.prompt !== undefined && req.origin === "openai-completions") {
    throw invalidRequest("prompt arrays and token prompts need an OpenAI completions upstream", "prompt");
  }
  checkForeignRequest(req, "gemini", adjust);
  const { system, contents } = encodeContents(req, adjust);
  // Gemini refuses a request without contents ("contents is not specified"); said here, in the client's terms.
  if (!contents.length) throw invalidRequest("messages: nothing to send to a Gemini upstream (no user or assistant content)", "messages");
  const out: Json = { contents };
  if (system.length) out.systemInstruction = { parts: system };

  const tools = (req.tools ?? []).map((t) => {
    const d: Json = { name: t.name };
    if (t.description !== undefined) d.description = t.description;
    // JSON Schema as it is: `parameters` takes only an OpenAPI subset and answers 400 on `additionalProperties`,
    // `$schema`, `const`, type lists...; `parametersJsonSchema` takes JSON Schema.
    if (t.inputSchema !== undefined) d.parametersJsonSchema = t.inputSchema;
    if (t.strict !== undefined) adjust?.("tools.strict", "Gemini has no strict switch");
    if (t.extra && Object.keys(t.extra).length) adjust?.("tools", `${Object.keys(t.extra).join(",")} of tool ${t.name} have no Gemini equivalent`);
    return d;
  });
  const toolList: Json[] = tools.length ? [{ functionDeclarations: tools }] : [];
  if (req.rawTools?.length) {
    if (req.origin === "gemini") toolList.push(...(req.rawTools as Json[]));
    else adjust?.("tools", "server tools of another dialect have no Gemini equivalent");
  }
  if (toolList.length) out.tools = toolList;
  if (tools.length && req.toolChoice) {
    const c = req.toolChoice;
    const fc: Json = { mode: c.type === "none" ? "NONE" : c.type === "auto" ? "AUTO" : "ANY" };
    if (c.type === "tool") fc.allowedFunctionNames = [c.name];
    out.toolConfig = { functionCallingConfig: fc };
  }
  if (req.parallelToolCalls === false) adjust?.("parallel_tool_calls", "Gemini has no switch for parallel calls");

  const g: Json = {};
  if (req.maxTokens !== undefined) {
    let max = req.maxTokens;
    if (opts.maxOutputTokens !== undefined && max > opts.maxOutputTokens) {
      adjust?.("max_tokens", `clamped from ${max} to the account's max_output_tokens ${opts.maxOutputTokens}`);
      max = opts.maxOutputTokens;
    }
    // Gemini refuses 0; a client's 0 means "no output", which the smallest limit comes closest to.
    g.maxOutputTokens = Math.max(1, max);
  }
  if (req.temperature !== undefined) g.temperature = req.temperature; // 0..2, like OpenAI
  if (req.topP !== undefined) g.topP = req.topP;
  if (req.topK !== undefined) g.topK = req.topK;
  if (req.stop !== undefined && req.stop.length) {
    if (req.stop.length > MAX_STOP) adjust?.("stop", `Gemini accepts at most ${MAX_STOP} stop sequences; ${req.stop.length - MAX_STOP} dropped`);
    g.stopSequences = req.stop.slice(0, MAX_STOP);
  }
  if (req.n !== undefined) g.candidateCount = req.n;
  if (req.seed !== undefined) g.seed = req.seed;
  if (req.presencePenalty !== undefined) g.presencePenalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) g.frequencyPenalty = req.frequencyPenalty;
  if (req.logprobs !== undefined) g.responseLogprobs = req.logprobs;
  if (req.topLogprobs !== undefined) g.logprobs = req.topLogprobs;
  if (req.logitBias !== undefined) adjust?.("logit_bias", "Gemini has no logit bias");
  const rf = req.responseFormat;
  if (rf?.type === "json_object") g.responseMimeType = "application/json";
  else if (rf?.type === "json_schema") {
    g.responseMimeType = "application/json";
    if (rf.schema !== undefined) g.responseJsonSchema = rf.schema;
    if (rf.strict === false) adjust?.("response_format.strict", "Gemini structured output is always strict");
  }
  const thinking = thinkingConfig(req, opts);
  if (thinking) g.thinkingConfig = thinking;
  if (Object.keys(g).length) out.generationConfig = g;

  if (req.safetySettings?.length) out.safetySettings = req.safetySettings;
  if (req.sessionKey !== undefined) adjust?.("user", "Gemini has no end-user id");
  reportDroppedExtra(req.extra, `a field of ${req.origin} with no Gemini equivalent`, adjust);
  return out;
}
