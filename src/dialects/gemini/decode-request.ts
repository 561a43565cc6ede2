/**
 * Gemini `generateContent` client body -> canonical request (src/dialects/README.md "Gemini"). The model and
 * streaming come from the URL (`DecodeRequestContext`); everything else from the body, in either spelling
 * (fields.ts).
 */
import { invalidRequest } from "../../errors.ts";
import type { Block, CanonicalRequest, Message, ResponseFormat, TextBlock, Tool, ToolChoice } from "../../canonical/model.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import { createValidator } from "../shared/validate-body.ts";
import type { DecodeRequestContext } from "../types.ts";
import { field, unknownFields } from "./fields.ts";
import { toJsonSchema } from "./json-schema.ts";
import { GeminiRequestSchema } from "./schema.ts";

const validate = createValidator(GeminiRequestSchema);

const KNOWN = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "model"]);
const KNOWN_GENERATION = new Set([
  "temperature", "topP", "topK", "maxOutputTokens", "candidateCount", "stopSequences", "presencePenalty",
  "frequencyPenalty", "seed", "responseMimeType", "responseSchema", "responseJsonSchema", "responseLogprobs",
  "logprobs", "thinkingConfig",
]);
const KNOWN_DECLARATION = new Set(["name", "description", "parameters", "parametersJsonSchema"]);

/** The text of a `functionResponse.response` for other dialects: a lone string `output`/`result`/`content` is that string, anything else its JSON. */
function responseText(r: unknown): { text: string; isError: boolean } {
  if (isObj(r)) {
    const keys = Object.keys(r);
    if (keys.length === 1) {
      const v = r[keys[0]!];
      if (typeof v === "string" && ["output", "result", "content", "error"].includes(keys[0]!)) return { text: v, isError: keys[0] === "error" };
    }
    return { text: JSON.stringify(r), isError: false };
  }
  return { text: r === undefined ? "" : typeof r === "string" ? r : JSON.stringify(r), isError: false };
}

/** `inlineData` / `fileData` → an image, audio or document block by media type. */
function mediaBlock(mimeType: string | undefined, src: { data: string } | { url: string }): Block {
  const mt = mimeType ?? "";
  if ("data" in src) {
    if (mt.startsWith("image/")) return { type: "image", source: { type: "base64", mediaType: mt, data: src.data } };
    if (mt.startsWith("audio/")) return { type: "audio", data: src.data, format: mt.slice(6).replace(/^x-/, "").replace("mpeg", "mp3") };
    return { type: "document", source: { type: "base64", mediaType: mt || "application/octet-stream", data: src.data } };
  }
  if (mt.startsWith("image/") || (!mt && /\.(png|jpe?g|gif|webp)$/i.test(src.url))) return { type: "image", source: { type: "url", url: src.url } };
  return { type: "document", source: { type: "url", url: src.url } };
}

interface CallIds {
  /** Ids of the previous model turn's calls, in order, for responses without an id. */
  previous: { id: string; name: string }[];
  /** How many of them were answered so far. */
  answered: number;
}

function decodePart(p: Json, path: string, role: Message["role"], turn: number, k: { calls: number }, ids: CallIds, out: Block[]) {
  const sig = field(p, "thoughtSignature");
  const signature = typeof sig === "string" ? sig : undefined;
  if (typeof p.text === "string") {
    if (p.thought === true) {
      const b: Block = { type: "thinking", text: p.text };
      if (signature !== undefined) b.thoughtSignature = signature;
      out.push(b);
    } else {
      const b: TextBlock = { type: "text", text: p.text };
      if (signature !== undefined) b.thoughtSignature = signature;
      if (p.text !== "" || signature !== undefined) out.push(b);
    }
    return;
  }
  const inline = field(p, "inlineData");
  if (isObj(inline)) {
    if (typeof inline.data !== "string") throw invalidRequest(`${path}.inlineData.data: expected a base64 string`, `${path}.inlineData.data`);
    const mt = field(inline, "mimeType");
    out.push(mediaBlock(typeof mt === "string" ? mt : undefined, { data: inline.data }));
    return;
  }
  const file = field(p, "fileData");
  if (isObj(file)) {
    const uri = field(file, "fileUri");
    if (typeof uri !== "string") throw invalidRequest(`${path}.fileData.fileUri: expected a string`, `${path}.fileData.fileUri`);
    const mt = field(file, "mimeType");
    out.push(mediaBlock(typeof mt === "string" ? mt : undefined, { url: uri }));
    return;
  }
  const call = field(p, "functionCall");
  if (isObj(call)) {
    if (typeof call.name !== "string") throw invalidRequest(`${path}.functionCall.name: expected a string`, `${path}.functionCall.name`);
    // Gemini may leave ids out; the responses then pair with the calls by order. A stable id per position lets
    // the canonical tool_result name its call.
    const id = typeof call.id === "string" && call.id ? call.id : `call_${turn}_${k.calls}`;
    k.calls++;
    const b: Block = { type: "tool_call", id, name: call.name, arguments: JSON.stringify(isObj(call.args) ? call.args : {}) };
    if (signature !== undefined) b.thoughtSignature = signature;
    out.push(b);
    ids.previous.push({ id, name: call.name });
    return;
  }
  const resp = field(p, "functionResponse");
  if (isObj(resp)) {
    if (typeof resp.name !== "string") throw invalidRequest(`${path}.functionResponse.name: expected a string`, `${path}.functionResponse.name`);
    let id = typeof resp.id === "string" && resp.id ? resp.id : undefined;
    if (id === undefined) {
      // Without an id: the next unanswered call of the previous model turn, by order (Gemini's own pairing).
      const byOrder = ids.previous[ids.answered];
      id = byOrder && byOrder.name === resp.name ? byOrder.id : (ids.previous.find((c) => c.name === resp.name)?.id ?? `call_${resp.name}`);
    }
    ids.answered++;
    const { text, isError } = responseText(resp.response);
    const b: Block = { type: "tool_result", toolCallId: id, content: text ? [{ type: "text", text }] : [] };
    if (isError) b.isError = true;
    out.push(b);
    return;
  }
  if (role === "assistant" && signature !== undefined && Object.keys(p).length === 1) {
    out.push({ type: "text", text: "", thoughtSignature: signature });
    return;
  }
  // executableCode, codeExecutionResult, videoMetadata-only parts...: no other dialect has them.
  out.push({ type: "raw", dialect: "gemini", value: p });
}

function decodeContents(contents: Json[]): Message[] {
  const messages: Message[] = [];
  const ids: CallIds = { previous: [], answered: 0 };
  contents.forEach((c, i) => {
    const path = `contents[${i}]`;
    const r = c.role;
    if (r !== undefined && r !== "user" && r !== "model" && r !== "function") {
      throw invalidRequest(`${path}.role: must be "user" or "model", got ${JSON.stringify(r)}`, `${path}.role`);
    }
    const role: Message["role"] = r === "model" ? "assistant" : "user";
    if (role === "assistant") ids.previous = [];
    const k = { calls: 0 };
    const content: Block[] = [];
    const parts = Array.isArray(c.parts) ? (c.parts as unknown[]) : [];
    parts.forEach((p, j) => {
      if (!isObj(p)) throw invalidRequest(`${path}.parts[${j}]: expected an object`, `${path}.parts[${j}]`);
      decodePart(p, `${path}.parts[${j}]`, role, i, k, ids, content);
    });
    if (role === "assistant") ids.answered = 0;
    messages.push({ role, content });
  });
  return messages;
}

function decodeSystem(s: unknown): TextBlock[] | undefined {
  if (typeof s === "string") return s ? [{ type: "text", text: s }] : undefined;
  if (!isObj(s) || !Array.isArray(s.parts)) return undefined;
  const out: TextBlock[] = [];
  s.parts.forEach((p, i) => {
    if (!isObj(p) || typeof p.text !== "string") throw invalidRequest(`systemInstruction.parts[${i}]: only text parts are allowed`, `systemInstruction.parts[${i}]`);
    if (p.text) out.push({ type: "text", text: p.text });
  });
  return out.length ? out : undefined;
}

function decodeTools(tools: Json[], req: CanonicalRequest) {
  const out: Tool[] = [];
  const raw: unknown[] = [];
  tools.forEach((t, i) => {
    const decls = field(t, "functionDeclarations");
    if (Array.isArray(decls)) {
      decls.forEach((d, j) => {
        const path = `tools[${i}].functionDeclarations[${j}]`;
        if (!isObj(d) || typeof d.name !== "string") throw invalidRequest(`${path}.name: expected a string`, `${path}.name`);
        const tool: Tool = { name: d.name };
        if (typeof d.description === "string") tool.description = d.description;
        const schema = field(d, "parametersJsonSchema") ?? d.parameters;
        if (isObj(schema)) tool.inputSchema = toJsonSchema(schema) as Json;
        const rest = unknownFields(d, KNOWN_DECLARATION);
        if (rest) tool.extra = rest;
        out.push(tool);
      });
      const others = unknownFields(t, new Set(["functionDeclarations"]));
      if (others) raw.push(others);
    } else raw.push(t); // googleSearch, codeExecution, urlContext, ...: Gemini's own server-side tools
  });
  req.tools = out;
  // Built-in tools run inside Gemini: other upstreams answer them with a 400 (shared/foreign-tools.ts).
  if (raw.length) req.rawTools = raw;
}

function decodeToolConfig(tc: Json, extra: Json): ToolChoice | undefined {
  const fc = field(tc, "functionCallingConfig");
  const others = unknownFields(tc, new Set(["functionCallingConfig"]));
  if (others) extra.toolConfig = others;
  if (!isObj(fc)) return undefined;
  const mode = typeof fc.mode === "string" ? fc.mode.toUpperCase() : "AUTO";
  const allowed = field(fc, "allowedFunctionNames");
  const names = Array.isArray(allowed) ? allowed.filter((n): n is string => typeof n === "string") : [];
  if (mode === "NONE") return { type: "none" };
  if (mode === "ANY") {
    if (names.length === 1) return { type: "tool", name: names[0]! };
    if (names.length > 1) extra["toolConfig.functionCallingConfig.allowedFunctionNames"] = names;
    return { type: "required" };
  }
  if (mode === "VALIDATED" && names.length) extra["toolConfig.functionCallingConfig.allowedFunctionNames"] = names;
  return { type: "auto" };
}

function decodeResponseFormat(g: Json, extra: Json): ResponseFormat | undefined {
  const mime = field(g, "responseMimeType");
  const schema = field(g, "responseJsonSchema") ?? field(g, "responseSchema");
  if (mime === undefined && schema === undefined) return undefined;
  if (mime === "application/json") {
    return isObj(schema) ? { type: "json_schema", schema: toJsonSchema(schema) as Json } : { type: "json_object" };
  }
  if (mime === undefined || mime === "text/plain") return schema === undefined ? { type: "text" } : undefined;
  extra["generationConfig.responseMimeType"] = mime; // text/x.enum and others: no other dialect has them
  return undefined;
}

function decodeThinking(t: Json, req: CanonicalRequest, extra: Json) {
  const budget = field(t, "thinkingBudget");
  const level = field(t, "thinkingLevel");
  const include = field(t, "includeThoughts");
  if (typeof include === "boolean") req.includeThoughts = include;
  if (typeof level === "string") req.reasoningEffort = level.toLowerCase();
  else if (typeof budget === "number") {
    // 0 turns thinking off (Flash), -1 lets the model decide, any other value is a budget.
    req.thinking = budget === 0 ? { type: "disabled" } : budget < 0 ? { type: "adaptive" } : { type: "enabled", budgetTokens: budget };
  }
  const rest = unknownFields(t, new Set(["thinkingBudget", "thinkingLevel", "includeThoughts"]));
  if (rest) extra["generationConfig.thinkingConfig"] = rest;
}

function decodeGeneration(g: Json, req: CanonicalRequest, extra: Json) {
  const num = (name: string): number | undefined => {
    const v = field(g, name);
    return typeof v === "number" ? v : undefined;
  };
  const set = <K extends keyof CanonicalRequest>(k: K, v: CanonicalRequest[K] | undefined) => {
    if (v !== undefined) req[k] = v;
  };
  set("temperature", num("temperature"));
  set("topP", num("topP"));
  set("topK", num("topK"));
  set("maxTokens", num("maxOutputTokens"));
  set("n", num("candidateCount"));
  set("presencePenalty", num("presencePenalty"));
  set("frequencyPenalty", num("frequencyPenalty"));
  set("seed", num("seed"));
  set("topLogprobs", num("logprobs"));
  const lp = field(g, "responseLogprobs");
  if (typeof lp === "boolean") req.logprobs = lp;
  const stop = field(g, "stopSequences");
  if (Array.isArray(stop)) req.stop = stop as string[];
  const rf = decodeResponseFormat(g, extra);
  if (rf) req.responseFormat = rf;
  const t = field(g, "thinkingConfig");
  if (isObj(t)) decodeThinking(t, req, extra);
  const rest = unknownFields(g, KNOWN_GENERATION);
  if (rest) for (const k in rest) extra[`generationConfig.${k}`] = rest[k];
}

export function decodeGeminiRequest(body: unknown, ctx: DecodeRequestContext = {}): CanonicalRequest {
  validate(body);
  const b = body as Json;
  const model = ctx.model ?? (typeof b.model === "string" ? b.model.replace(/^models\//, "") : undefined);
  if (!model) throw invalidRequest("model: required (in the URL: /v1beta/models/{model}:generateContent)", "model");
  const contents = field(b, "contents");
  if (!Array.isArray(contents) || contents.length === 0) throw invalidRequest("contents: required and must not be empty", "contents");
  const req: CanonicalRequest = {
    origin: "gemini",
    model,
    stream: ctx.stream === true,
    messages: decodeContents(contents as Json[]),
  };
  const extra: Json = unknownFields(b, KNOWN) ?? {};
  const system = decodeSystem(field(b, "systemInstruction"));
  if (system) req.system = system;
  const tools = field(b, "tools");
  if (Array.isArray(tools)) decodeTools(tools as Json[], req);
  const tc = field(b, "toolConfig");
  if (isObj(tc)) {
    const choice = decodeToolConfig(tc, extra);
    if (choice) req.toolChoice = choice;
  }
  const g = field(b, "generationConfig");
  if (isObj(g)) decodeGeneration(g, req, extra);
  const safety = field(b, "safetySettings");
  if (Array.isArray(safety) && safety.length) req.safetySettings = safety;
  if (Object.keys(extra).length) req.extra = extra;
  return req;
}
