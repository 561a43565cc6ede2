/**
 * Property tests of the conversions production makes: random canonical requests as each client dialect's decoder
 * produces them (a small seeded generator), encoded for every other dialect, either fail with a documented 400 or
 * give a body the target dialect itself accepts and that still holds the conversation: every text in order, every
 * system text, every tool call (id, name, arguments) and every tool result.
 */
import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { GatewayError } from "../errors.ts";
import { RequestSchema, type Block, type CanonicalRequest, type Message, type Tool } from "../canonical/model.ts";
import { createDialects } from "./index.ts";
import type { DialectName } from "./types.ts";
import { rng, type Rng } from "../../test/support/rng.ts";
import { flatName } from "./openai-responses/tool-names.ts";
import { builtinToolRefusal, customInputSchema } from "./openai-responses/tools.ts";

const dialects = createDialects();
const checkCanonical = TypeCompiler.Compile(RequestSchema);


class Gen {
  constructor(readonly r: Rng) {}
  int(lo: number, hi: number) { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  bool(p = 0.5) { return this.r() < p; }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.r() * xs.length)]!; }
  str(min = 1) {
    const alphabet = ["a", "b", "Z", " ", "\n", '"', "\\", "é", "€", "😀", "{", "}", "0", "_"];
    let s = "";
    const n = this.int(min, 12);
    for (let i = 0; i < n; i++) s += this.pick(alphabet);
    return s;
  }
  id() { return `id_${this.int(0, 1e6)}`; }
  maybe<T>(f: () => T, p = 0.5): T | undefined { return this.bool(p) ? f() : undefined; }
  json(depth = 0): unknown {
    const k = this.int(0, depth > 1 ? 3 : 5);
    if (k === 0) return this.str(0);
    if (k === 1) return this.int(-5, 1000);
    if (k === 2) return this.bool();
    if (k === 3) return null;
    if (k === 4) return Array.from({ length: this.int(0, 3) }, () => this.json(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = this.int(0, 3); i > 0; i--) o[`k${this.int(0, 9)}`] = this.json(depth + 1);
    return o;
  }
  object() {
    const o: Record<string, unknown> = {};
    for (let i = this.int(0, 3); i > 0; i--) o[`p${this.int(0, 9)}`] = this.json(1);
    return o;
  }
  num() { return this.pick([0, 0.5, 1, 0.95, 2, 42]); }
  cache() { return this.maybe(() => (this.bool() ? { type: "ephemeral" } : { type: "ephemeral", ttl: "1h" }), 0.2); }
}

/** Sets only defined keys so canonical objects compare equal to decoded ones. */
function def<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

// ---------- anthropic-messages canonical forms ----------
function anthropicRequest(g: Gen): CanonicalRequest {
  const text = (): Block => def({ type: "text" as const, text: g.str(), cacheControl: g.cache() });
  const image = (): Block => def({
    type: "image" as const,
    source: g.pick([{ type: "url" as const, url: "https://x.test/a.png" }, { type: "base64" as const, mediaType: "image/png", data: "iVBO" }, { type: "file" as const, fileId: "file_1" }]),
    cacheControl: g.cache(),
  });
  const doc = (): Block => def({ type: "document" as const, source: { type: "base64" as const, mediaType: "application/pdf", data: "JVBE" }, title: g.maybe(() => g.str()), context: g.maybe(() => g.str()) });
  const userBlock = (): Block => {
    switch (g.int(0, 4)) {
      case 0: return image();
      case 1: return doc();
      case 2: {
        const asString = g.bool();
        return def({
          type: "tool_result" as const, toolCallId: g.id(),
          content: asString ? (g.bool() ? [{ type: "text" as const, text: g.str() }] : []) : Array.from({ length: g.int(0, 2) }, () => (g.bool() ? text() : image())) as never,
          contentString: asString || undefined, isError: g.maybe(() => g.bool()), cacheControl: g.cache(),
        });
      }
      case 3: return { type: "raw", dialect: "anthropic-messages", value: { type: "search_result", source: "s", title: "t", content: [] } };
      default: return text();
    }
  };
  const assistantBlock = (): Block => {
    switch (g.int(0, 4)) {
      case 0: return { type: "thinking", text: g.str(0), signature: `sig_${g.int(1, 99)}` };
      case 1: return { type: "redacted_thinking", data: "EmwK" };
      case 2: return def({ type: "tool_call" as const, id: g.id(), name: "tool_a", arguments: JSON.stringify(g.object()), cacheControl: g.cache() });
      case 3: return { type: "raw", dialect: "anthropic-messages", value: { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "q" } } };
      default: return text();
    }
  };
  const messages: Message[] = [];
  for (let i = g.int(0, 5); i > 0; i--) {
    const role = g.pick(["user", "assistant", "user", "assistant", "system"] as const);
    if (g.bool(0.3) || role === "system") {
      const t = g.str(0);
      messages.push({ role, content: t ? [{ type: "text", text: t }] : [] });
    } else {
      messages.push({ role, content: Array.from({ length: g.int(0, 3) }, role === "user" ? userBlock : assistantBlock) });
    }
  }
  const tools: Tool[] | undefined = g.maybe(() => Array.from({ length: g.int(0, 2) }, () => def({
    name: `tool_${g.int(0, 9)}`, description: g.maybe(() => g.str()), inputSchema: { type: "object", properties: g.object() },
    cacheControl: g.cache(), extra: g.maybe(() => ({ defer_loading: true }), 0.3),
  })));
  const toolChoice = g.maybe(() => g.pick([{ type: "auto" as const }, { type: "none" as const }, { type: "required" as const }, { type: "tool" as const, name: "tool_1" }]));
  const extra = def({
    context_management: g.maybe(() => ({ edits: [{ type: "clear_thinking_20251015" }] }), 0.3),
    service_tier: g.maybe(() => "auto", 0.2),
    metadata: g.maybe(() => ({ other: "x" }), 0.2),
    output_config: g.maybe(() => ({ task_budget: 5 }), 0.2),
  });
  const stream = g.bool();
  return def({
    origin: "anthropic-messages" as const,
    model: `claude-${g.int(1, 9)}`,
    stream,
    system: g.maybe(() => Array.from({ length: g.int(0, 2) }, () => def({ type: "text" as const, text: g.str(), cacheControl: g.cache() }))),
    messages,
    maxTokens: g.int(0, 64000),
    temperature: g.maybe(() => g.num()),
    topP: g.maybe(() => g.num()),
    topK: g.maybe(() => g.int(1, 50)),
    stop: g.maybe(() => Array.from({ length: g.int(0, 3) }, () => g.str())),
    sessionKey: g.maybe(() => g.str()),
    tools,
    toolChoice,
    parallelToolCalls: toolChoice ? g.maybe(() => g.bool()) : undefined,
    thinking: g.maybe(() => g.pick([{ type: "enabled" as const, budgetTokens: 2048 }, { type: "disabled" as const }, { type: "adaptive" as const }, { type: "adaptive" as const, display: "omitted" }])),
    reasoningEffort: g.maybe(() => g.pick(["low", "medium", "high", "max"])),
    responseFormat: g.maybe(() => ({ type: "json_schema" as const, schema: { type: "object", properties: g.object() } }), 0.2),
    extra: Object.keys(extra).length ? extra : undefined,
  });
}

// ---------- openai-chat canonical forms ----------
function openAIChatRequest(g: Gen): CanonicalRequest {
  const text = (): Block => def({ type: "text" as const, text: g.str(0), cacheControl: g.cache() });
  const userPart = (): Block => {
    switch (g.int(0, 5)) {
      case 0: return def({ type: "image" as const, source: g.pick([{ type: "url" as const, url: "https://x.test/a.png" }, { type: "base64" as const, mediaType: "image/jpeg", data: "/9j/" }]), detail: g.maybe(() => g.pick(["auto", "low", "high"])) });
      case 1: return { type: "audio", data: "UklG", format: g.pick(["wav", "mp3"]) };
      case 2: return def({ type: "document" as const, source: { type: "base64" as const, mediaType: "application/pdf", data: "JVBE" }, filename: g.maybe(() => "a.pdf") });
      case 3: return def({ type: "document" as const, source: { type: "file" as const, fileId: "file-1" }, filename: g.maybe(() => "b.pdf") });
      case 4: return { type: "raw", dialect: "openai-chat", value: { type: "future_part", x: 1 } };
      default: return text();
    }
  };
  const stringOr = (parts: () => Block[]): Pick<Message, "content"> => {
    if (g.bool(0.4)) {
      const t = g.str(0);
      return { content: t ? [{ type: "text", text: t }] : [] };
    }
    return { content: parts() };
  };
  const messages: Message[] = [];
  for (let i = g.int(0, 6); i > 0; i--) {
    const role = g.pick(["system", "developer", "user", "assistant", "tool", "user", "assistant"] as const);
    if (role === "system" || role === "developer") {
      messages.push({ role, ...stringOr(() => Array.from({ length: g.int(0, 2) }, text)) });
    } else if (role === "user") {
      messages.push({ role, ...stringOr(() => Array.from({ length: g.int(0, 3) }, userPart)) });
    } else if (role === "tool") {
      const asString = g.bool();
      const t = g.str(0);
      messages.push({ role, content: [def({
        type: "tool_result" as const, toolCallId: g.id(),
        content: asString ? (t ? [{ type: "text" as const, text: t }] : []) : (Array.from({ length: g.int(0, 2) }, text) as never),
        contentString: asString || undefined,
      })] });
    } else {
      const content: Block[] = [];
      const thinkingKind = g.int(0, 2);
      if (thinkingKind === 1) content.push({ type: "thinking", text: g.str(0) });
      if (thinkingKind === 2) {
        for (let k = g.int(1, 2); k > 0; k--) content.push(g.bool() ? { type: "thinking", text: g.str(0), signature: `s${k}` } : { type: "redacted_thinking", data: "Emw" });
      }
      const form = g.pick(["string", "null", "absent", "parts"] as const);
      if (form === "string") {
        const t = g.str(0);
        if (t) content.push({ type: "text", text: t });
      } else if (form === "parts") {
        for (let k = g.int(0, 2); k > 0; k--) content.push(g.bool() ? text() : { type: "refusal", text: g.str(0) });
      }
      for (let k = g.int(0, 2); k > 0; k--) content.push({ type: "tool_call", id: g.id(), name: "fn", arguments: g.pick([JSON.stringify(g.object()), "{\"a\": 1 }", "not json", ""]) });
      messages.push({ role, content });
    }
  }
  const stream = g.bool();
  const stop = g.maybe(() => Array.from({ length: g.int(1, 3) }, () => g.str()));
  const tools = g.maybe(() => Array.from({ length: g.int(0, 2) }, (): Tool => def({
    name: `fn_${g.int(0, 9)}`, description: g.maybe(() => g.str()), inputSchema: g.maybe(() => ({ type: "object", properties: g.object() })),
    strict: g.maybe(() => g.bool()), cacheControl: g.cache(),
  })));
  const extra = def({
    store: g.maybe(() => false, 0.2), metadata: g.maybe(() => ({ a: "b" }), 0.2), prompt_cache_key: g.maybe(() => "k", 0.2),
  });
  return def({
    origin: "openai-chat" as const,
    model: `gpt-${g.int(1, 9)}`,
    stream,
    includeUsage: stream ? true : undefined,
    messages,
    maxTokens: g.maybe(() => g.int(1, 10000)),
    temperature: g.maybe(() => g.num()),
    topP: g.maybe(() => g.num()),
    n: g.maybe(() => g.int(1, 3)),
    seed: g.maybe(() => g.int(0, 99)),
    stop,
    presencePenalty: g.maybe(() => g.num(), 0.2),
    frequencyPenalty: g.maybe(() => g.num(), 0.2),
    logitBias: g.maybe(() => ({ "50256": -100 }), 0.2),
    logprobs: g.maybe(() => g.bool(), 0.2),
    topLogprobs: g.maybe(() => g.int(0, 5), 0.2),
    topK: g.maybe(() => g.int(1, 40), 0.1),
    sessionKey: g.maybe(() => g.str()),
    tools,
    toolChoice: g.maybe(() => g.pick([{ type: "auto" as const }, { type: "none" as const }, { type: "required" as const }, { type: "tool" as const, name: "fn_1" }])),
    parallelToolCalls: g.maybe(() => g.bool()),
    responseFormat: g.maybe(() => g.pick([
      { type: "text" as const }, { type: "json_object" as const },
      def({ type: "json_schema" as const, name: "answer", description: g.maybe(() => "d"), schema: { type: "object" }, strict: g.maybe(() => g.bool()) }),
    ])),
    reasoningEffort: g.maybe(() => g.pick(["minimal", "low", "medium", "high"])),
    thinking: g.maybe(() => g.pick([{ type: "enabled" as const, budgetTokens: 1024 }, { type: "disabled" as const }, { type: "adaptive" as const }]), 0.1),
    extra: Object.keys(extra).length ? extra : undefined,
  });
}

// ---------- openai-completions canonical forms ----------
function completionsRequest(g: Gen): CanonicalRequest {
  const stream = g.bool();
  const t = g.str(0);
  const stop = g.maybe(() => Array.from({ length: g.int(1, 3) }, () => g.str()));
  const logprobs = g.bool(0.2);
  const extra = def({ echo: g.maybe(() => false, 0.2), suffix: g.maybe(() => "s", 0.2), best_of: g.maybe(() => 1, 0.1) });
  return def({
    origin: "openai-completions" as const,
    model: "instruct",
    stream,
    includeUsage: stream ? true : undefined,
    messages: [{ role: "user" as const, content: t ? [{ type: "text" as const, text: t }] : [] }],
    maxTokens: g.int(1, 500),
    temperature: g.maybe(() => g.num()),
    topP: g.maybe(() => g.num()),
    n: g.maybe(() => g.int(1, 3)),
    seed: g.maybe(() => g.int(0, 99)),
    stop,
    presencePenalty: g.maybe(() => g.num(), 0.2),
    frequencyPenalty: g.maybe(() => g.num(), 0.2),
    logitBias: g.maybe(() => ({ "1": 5 }), 0.2),
    logprobs: logprobs || undefined,
    topLogprobs: logprobs ? g.int(0, 5) : undefined,
    sessionKey: g.maybe(() => g.str()),
    extra: Object.keys(extra).length ? extra : undefined,
  });
}

// ---------- gemini canonical forms ----------
function geminiRequest(g: Gen): CanonicalRequest {
  const text = (): Block => def({ type: "text" as const, text: g.str(), thoughtSignature: g.maybe(() => "c2lnbmF0dXJl", 0.2) });
  const userPart = (): Block => {
    switch (g.int(0, 3)) {
      case 0: return { type: "image", source: { type: "base64", mediaType: "image/png", data: "iVBO" } };
      case 1: return { type: "document", source: { type: "url", url: "https://x.test/a.pdf" } };
      default: return text();
    }
  };
  const messages: Message[] = [];
  let pending: { id: string; name: string }[] = [];
  for (let i = g.int(1, 6); i > 0; i--) {
    if (pending.length && g.bool(0.8)) {
      // The user turn answering the calls of the model turn before it (Gemini pairs them by order or id).
      messages.push({ role: "user", content: pending.map((c) => def({ type: "tool_result" as const, toolCallId: c.id, content: g.bool(0.8) ? [{ type: "text" as const, text: g.str() }] : [], isError: g.maybe(() => true, 0.2) })) });
      pending = [];
      continue;
    }
    if (g.bool()) {
      messages.push({ role: "user", content: Array.from({ length: g.int(1, 3) }, userPart) });
    } else {
      const content: Block[] = [];
      if (g.bool(0.3)) content.push(def({ type: "thinking" as const, text: g.str(), thoughtSignature: g.maybe(() => "dGhvdWdodA==", 0.3) }));
      for (let k = g.int(0, 2); k > 0; k--) content.push(text());
      pending = [];
      for (let k = g.int(0, 2); k > 0; k--) {
        const call = { id: g.bool(0.7) ? `call_${i}_${k}` : `fn_${g.int(0, 99)}_${g.int(0, 1e6)}`, name: `fn_${g.int(0, 9)}` };
        pending.push(call);
        content.push(def({ type: "tool_call" as const, ...call, arguments: JSON.stringify(g.object()), thoughtSignature: g.maybe(() => g.pick(["skip_thought_signature_validator", "CiQB0e2Kb+/x=="]), 0.5) }));
      }
      messages.push({ role: "assistant", content });
    }
  }
  const budget = g.pick([undefined, 0, -1, 1024, 8192]);
  return def({
    origin: "gemini" as const,
    model: "gemini-2.5-flash",
    stream: g.bool(),
    system: g.maybe(() => [{ type: "text" as const, text: g.str() }]),
    messages,
    maxTokens: g.maybe(() => g.int(1, 65536)),
    temperature: g.maybe(() => g.num()),
    topP: g.maybe(() => g.num()),
    topK: g.maybe(() => g.int(1, 64)),
    stop: g.maybe(() => Array.from({ length: g.int(1, 5) }, () => g.str())),
    seed: g.maybe(() => g.int(0, 99), 0.2),
    tools: g.maybe(() => Array.from({ length: g.int(1, 3) }, (): Tool => def({ name: `fn_${g.int(0, 9)}`, description: g.maybe(() => g.str()), inputSchema: g.maybe(() => ({ type: "object", properties: g.object() })) }))),
    rawTools: g.maybe(() => [{ googleSearch: {} }], 0.1),
    toolChoice: g.maybe(() => g.pick([{ type: "auto" as const }, { type: "none" as const }, { type: "required" as const }, { type: "tool" as const, name: "fn_1" }])),
    responseFormat: g.maybe(() => g.pick([{ type: "json_object" as const }, { type: "json_schema" as const, schema: { type: "object", properties: { a: { type: "string" } } } }]), 0.2),
    thinking: budget === undefined ? undefined : budget === 0 ? { type: "disabled" as const } : budget < 0 ? { type: "adaptive" as const } : { type: "enabled" as const, budgetTokens: budget },
    reasoningEffort: g.maybe(() => g.pick(["low", "high"]), 0.2),
    includeThoughts: g.maybe(() => g.bool()),
    safetySettings: g.maybe(() => [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_ONLY_HIGH" }], 0.2),
  });
}


// ---------- openai-responses canonical forms ----------
function responsesRequest(g: Gen): CanonicalRequest {
  const text = (): Block => ({ type: "text", text: g.str(0) });
  const userPart = (): Block => {
    switch (g.int(0, 5)) {
      case 0: return def({ type: "image" as const, source: g.pick([{ type: "url" as const, url: "https://x.test/a.png" }, { type: "base64" as const, mediaType: "image/png", data: "iVBO" }, { type: "file" as const, fileId: "file-1" }]), detail: g.maybe(() => g.pick(["auto", "low", "high"])) });
      case 1: return { type: "audio", data: "UklG", format: "wav" };
      case 2: return def({ type: "document" as const, source: { type: "base64" as const, mediaType: "application/pdf", data: "JVBE" }, filename: g.maybe(() => "a.pdf") });
      case 3: return def({ type: "document" as const, source: g.pick([{ type: "file" as const, fileId: "file-2" }, { type: "url" as const, url: "https://x.test/b.pdf" }]), filename: g.maybe(() => "b.pdf") });
      case 4: return { type: "raw", dialect: "openai-responses", value: { type: "input_future", x: 1 } };
      default: return text();
    }
  };
  // Tools: functions, custom tools, namespaced functions (flattened), built-ins (advisory or refused).
  const originOnly: { param: string; message: string }[] = [];
  let tools: Tool[] | undefined;
  let rawTools: unknown[] | undefined;
  if (g.bool(0.6)) {
    tools = [];
    rawTools = [];
    for (let i = 0, n = g.int(0, 4); i < n; i++) {
      const kind = g.int(0, 3);
      if (kind === 0) tools.push(def({ name: `fn_${i}`, description: g.maybe(() => g.str()), inputSchema: g.maybe(() => ({ type: "object", properties: g.object() })), strict: g.maybe(() => g.bool()), extra: g.maybe(() => ({ defer_loading: true }), 0.2) }));
      else if (kind === 1) {
        const format = g.maybe(() => ({ type: "grammar", syntax: "lark", definition: "start: /.+/" }));
        tools.push(def({ name: `ct_${i}`, description: g.maybe(() => g.str()), inputSchema: customInputSchema(format), custom: format ? { format } : {} }));
      } else if (kind === 2) {
        for (let j = 0, k = g.int(1, 2); j < k; j++) tools.push({ name: `ns${i}__g${j}`, inputSchema: { type: "object" }, namespace: { name: `ns${i}`, function: `g${j}` } });
      } else if (g.bool(0.7)) rawTools.push({ type: "web_search", external_web_access: false });
      else {
        rawTools.push({ type: "file_search", vector_store_ids: ["vs_1"] });
        originOnly.push(builtinToolRefusal(`tools[${i}]`, "file_search"));
      }
    }
    if (!rawTools.length) rawTools = undefined;
  }
  const assistantTurn = (): Message => {
    const content: Block[] = [];
    for (let k = g.int(1, 4); k > 0; k--) {
      switch (g.int(0, 5)) {
        case 0: // a message item: output_text / refusal parts
          for (let p = g.int(0, 2); p > 0; p--) content.push(g.bool(0.8) ? text() : { type: "refusal", text: g.str(0) });
          break;
        case 1: { // reasoning: OpenAI's own (summary parts joined), or Anthropic's through the gateway's envelope
          const r = g.int(0, 2);
          if (r === 0) content.push(def({ type: "thinking" as const, text: g.str(0), encrypted: g.maybe(() => ({ dialect: "openai-responses" as const, data: "gAAAAB", itemId: `rs_${g.int(1, 99)}` })) }));
          else if (r === 1) content.push({ type: "thinking", text: g.str(0), signature: `sig${g.int(1, 9)}` });
          else content.push({ type: "redacted_thinking", data: "EmwK" });
          break;
        }
        case 2:
          content.push({ type: "raw", dialect: "openai-responses", value: { type: "web_search_call", id: "ws_1", status: "completed" } });
          break;
        case 3:
          content.push({ type: "tool_call", id: `call_${g.int(1, 999)}`, name: `ct_${g.int(0, 3)}`, arguments: JSON.stringify({ input: g.str(0) }) });
          break;
        case 4:
          content.push({ type: "tool_call", id: `call_${g.int(1, 999)}`, name: flatName("hist", `f${g.int(0, 3)}`), arguments: "{}" });
          break;
        default:
          content.push({ type: "tool_call", id: `call_${g.int(1, 999)}`, name: "fn", arguments: g.pick([JSON.stringify(g.object()), "not json", ""]) });
      }
    }
    return { role: "assistant", content };
  };
  const messages: Message[] = [];
  for (let i = g.int(0, 6); i > 0; i--) {
    const role = g.pick(["system", "developer", "user", "assistant", "tool", "user", "assistant"] as const);
    if (role === "assistant") {
      // Consecutive assistant-side items are one turn.
      if (messages.at(-1)?.role !== "assistant") messages.push(assistantTurn());
    } else if (role === "tool") {
      const asString = g.bool();
      const t = g.str(0);
      messages.push({ role, content: [def({
        type: "tool_result" as const, toolCallId: `call_${g.int(1, 999)}`,
        content: asString ? (t ? [{ type: "text" as const, text: t }] : []) : (Array.from({ length: g.int(0, 2) }, () => (g.bool() ? text() : userPart())).filter((b) => b.type !== "audio") as never),
        contentString: asString || undefined,
      })] });
    } else if (g.bool(0.4)) {
      const t = g.str(0);
      messages.push({ role, content: t ? [{ type: "text", text: t }] : [] });
    } else messages.push({ role, content: Array.from({ length: g.int(0, 3) }, role === "user" ? userPart : text) });
  }
  const plain = (tools ?? []).filter((t) => !t.namespace);
  const extra = def({
    text: g.maybe(() => ({ verbosity: "low" }), 0.2), reasoning: g.maybe(() => ({ context: "all_turns" }), 0.2),
    truncation: g.maybe(() => "auto", 0.2), client_metadata: g.maybe(() => ({ session_id: "s" }), 0.2),
  });
  const sys = g.maybe(() => g.str());
  return def({
    origin: "openai-responses" as const,
    model: `gpt-5.${g.int(1, 9)}`,
    stream: g.bool(),
    system: sys ? [{ type: "text" as const, text: sys }] : undefined,
    messages,
    maxTokens: g.maybe(() => g.int(1, 32000)),
    temperature: g.maybe(() => g.num()),
    topP: g.maybe(() => g.num()),
    sessionKey: g.maybe(() => g.str(), 0.2),
    tools,
    rawTools,
    toolChoice: g.maybe(() => g.pick([{ type: "auto" as const }, { type: "none" as const }, { type: "required" as const }, ...(plain.length ? [{ type: "tool" as const, name: g.pick(plain).name }] : [])])),
    parallelToolCalls: g.maybe(() => g.bool()),
    responseFormat: g.maybe(() => g.pick([
      { type: "text" as const }, { type: "json_object" as const },
      def({ type: "json_schema" as const, name: g.maybe(() => "answer"), description: g.maybe(() => "d"), schema: { type: "object" }, strict: g.maybe(() => g.bool()) }),
    ]), 0.3),
    reasoningEffort: g.maybe(() => g.pick(["minimal", "low", "medium", "high", "xhigh"])),
    includeThoughts: g.maybe(() => g.bool()),
    store: g.maybe(() => g.bool(), 0.3),
    metadata: g.maybe(() => ({ k: "v" }), 0.2),
    promptCacheKey: g.maybe(() => "pck", 0.3),
    include: g.maybe(() => ["reasoning.encrypted_content"], 0.3),
    previousResponseId: g.maybe(() => "resp_1", 0.05),
    originOnly: originOnly.length ? originOnly : undefined,
    extra: Object.keys(extra).length ? extra : undefined,
  });
}

const generators: Record<DialectName, (g: Gen) => CanonicalRequest> = {
  "anthropic-messages": anthropicRequest,
  "openai-chat": openAIChatRequest,
  "openai-completions": completionsRequest,
  gemini: geminiRequest,
  "openai-responses": responsesRequest,
};

const ROUNDS = 300;

/** Texts of a block list, in order. */
function texts(blocks: readonly Block[]): string[] {
  const out: string[] = [];
  for (const b of blocks) if (b.type === "text" || b.type === "refusal") out.push(b.text);
  return out;
}

/** Every `want` text (whitespace-trimmed, empty ones skipped) occurs in `have` in this order. */
function inOrder(want: string[], have: string): boolean {
  let at = 0;
  for (const w of want) {
    const t = w.trim();
    if (!t) continue;
    const i = have.indexOf(t, at);
    if (i < 0) return false;
    at = i + t.length;
  }
  return true;
}

const spoken = (r: CanonicalRequest) => r.messages.filter((m) => m.role === "user" || m.role === "assistant").flatMap((m) => texts(m.content));
const systemTexts = (r: CanonicalRequest) => [...texts(r.system ?? []), ...r.messages.filter((m) => m.role === "system" || m.role === "developer").flatMap((m) => texts(m.content))];

/** Tool-call arguments as the JSON value they mean (an Anthropic upstream gets invalid JSON wrapped in `_raw`). */
function argsValue(a: string): unknown {
  try {
    return JSON.parse(a === "" ? "{}" : a);
  } catch {
    return { _raw: a };
  }
}
const calls = (r: CanonicalRequest) =>
  r.messages.flatMap((m) => m.content).flatMap((b) => (b.type === "tool_call" ? [{ id: b.id, name: b.name, args: argsValue(b.arguments) }] : []));
const results = (r: CanonicalRequest) =>
  new Map(r.messages.flatMap((m) => m.content).flatMap((b) => (b.type === "tool_result" ? [[b.toolCallId, texts(b.content as Block[])] as const] : [])));

describe("conversions keep the conversation, or refuse it with a 400 (a 404 for a previous response nobody kept)", () => {
  for (const from of Object.keys(generators) as DialectName[]) {
    test(`from ${from}`, () => {
      const g = new Gen(rng(99 + from.length));
      for (let i = 0; i < ROUNDS; i++) {
        const req = generators[from](g);
        expect(checkCanonical.Check(req)).toBe(true);
        for (const to of Object.keys(dialects) as DialectName[]) {
          if (to === from) continue;
          let wire: Record<string, unknown>;
          try {
            wire = dialects[to].encodeRequest(req, { model: "target", defaultMaxTokens: 4096, onAdjust: () => {} });
          } catch (e) {
            expect(e).toBeInstanceOf(GatewayError);
            expect((e as GatewayError).status).toBe(req.previousResponseId !== undefined ? 404 : 400);
            continue;
          }
          // Gemini names the model and streaming in the URL, not the body.
          const got = dialects[to].decodeRequest(JSON.parse(JSON.stringify(wire)), to === "gemini" ? { model: "target", stream: req.stream } : undefined);
          expect(checkCanonical.Check(got)).toBe(true);
          expect(got.stream).toBe(req.stream);
          if (to === "anthropic-messages") expect(typeof wire.max_tokens).toBe("number");
          if ((to === "openai-chat" || to === "openai-completions") && req.stream) expect(wire.stream_options).toEqual({ include_usage: true });
          if (!req.stream) expect(wire).not.toHaveProperty("stream_options");

          const show = { round: i, from, to, req, wire };
          const lost = (note: string) => expect(show).toEqual({ ...show, note } as never);
          if (to === "openai-completions") {
            // A legacy completions upstream gets the whole conversation as one transcript prompt.
            const prompt = spoken(got).join("");
            if (!inOrder(spoken(req), prompt) || !inOrder(systemTexts(req), prompt)) lost("texts missing from the prompt");
            continue;
          }
          if (!inOrder(spoken(req), spoken(got).join("\u0000"))) lost("texts lost or reordered");
          if (!inOrder(systemTexts(req), systemTexts(got).join("\u0000"))) lost("system texts lost or reordered");
          // Every tool call arrives with its id, name and arguments; every result arrives with its texts.
          expect(calls(got)).toEqual(calls(req));
          const want = results(req);
          const have = results(got);
          for (const [id, t] of want) {
            if (!have.has(id) || !inOrder(t, have.get(id)!.join("\u0000"))) lost(`tool result ${id} lost`);
          }
        }
      }
    });
  }
});
