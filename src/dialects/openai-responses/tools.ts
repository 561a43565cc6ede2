/**
 * Responses tools <-> canonical tools.
 *
 * - `function` tools are canonical tools; `custom` tools (free text, optionally a grammar) become functions taking
 *   one string `{"input": "..."}` (`Tool.custom` marks them); the functions of a `namespace` tool are flattened
 *   under collision-free names (tool-names.ts, `Tool.namespace`).
 * - Built-in tools (web_search, file_search, code_interpreter, mcp, ...) run on OpenAI's side and stay as sent
 *   (`rawTools`). An upstream of another dialect leaves out the advisory ones (reported): web_search, cached or live
 *   (Codex offers it in every request, live with full access; the model answers without searching, where a refusal
 *   would fail every such request), a server-side tool_search (its deferred functions are sent as ordinary tools
 *   anyway). Every other one (file_search over the client's vector stores, code_interpreter, mcp, ...) is listed in
 *   `originOnly`: that upstream answers 400 naming it, since leaving it out would change the answer. A tool_choice
 *   forcing any built-in is refused the same way.
 */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest, Tool, ToolChoice } from "../../canonical/model.ts";
import type { EncodeRequestOptions } from "../types.ts";
import { extraOf, isObj, type Json } from "../shared/json-shape.ts";
import { claimName, flatName } from "./tool-names.ts";

export interface ToolSink {
  tools: Tool[];
  raw: unknown[];
  originOnly: NonNullable<CanonicalRequest["originOnly"]>;
  /** Names already given (plain tools first, then flattened ones in order). */
  taken: Set<string>;
  /** Flat names of namespaced functions, by `namespace\u0000name`, for the function calls of the history. */
  flat: Map<string, string>;
}

const K_FUNCTION = new Set(["type", "name", "description", "parameters", "strict"]);
const K_CUSTOM = new Set(["type", "name", "description", "format"]);

export const builtinToolRefusal = (param: string, type: string) => ({
  param,
  message: `${param}: the built-in tool "${type}" runs only on an OpenAI Responses upstream, and this model is served by another API; remove the tool or route the model to an OpenAI account`,
});

/** The canonical argument schema of a custom tool; the grammar is spelled out for models that cannot be held to it. */
export function customInputSchema(format: Json | undefined): Record<string, unknown> {
  let description = "The tool's input, as free text.";
  if (format?.type === "grammar" && typeof format.definition === "string") {
    description += ` It must match this ${typeof format.syntax === "string" ? format.syntax : ""} grammar:\n${format.definition}`;
  }
  return { type: "object", properties: { input: { type: "string", description } }, required: ["input"], additionalProperties: false };
}

/** Whether leaving this built-in tool out leaves the answer as it would be (see the module comment). */
function isAdvisory(t: Json): boolean {
  if (typeof t.type === "string" && t.type.startsWith("web_search")) return true;
  return t.type === "tool_search" && t.execution !== "client";
}

/** Names of the plain (not namespaced) function and custom tools of a list: they keep their names. */
export function plainToolNames(list: readonly unknown[], taken: Set<string>): void {
  for (const t of list) if (isObj(t) && (t.type === "function" || t.type === "custom") && typeof t.name === "string") taken.add(t.name);
}

function decodeOne(t: Json, path: string, ns: Json | undefined, sink: ToolSink): Tool {
  if (typeof t.name !== "string" || t.name === "") throw invalidRequest(`${path}.name: expected a non-empty string`, `${path}.name`);
  const tool: Tool = { name: t.name };
  if (ns) {
    const nsName = ns.name as string;
    const flat = claimName(flatName(nsName, t.name), sink.taken);
    sink.flat.set(`${nsName}\u0000${t.name}`, flat);
    tool.name = flat;
    tool.namespace = { name: nsName, function: t.name };
    if (typeof ns.description === "string" && ns.description) tool.namespace.description = ns.description;
  }
  if (typeof t.description === "string") tool.description = t.description;
  let extra: Json | undefined;
  if (t.type === "custom") {
    if (t.format !== undefined && !isObj(t.format)) throw invalidRequest(`${path}.format: expected an object`, `${path}.format`);
    tool.inputSchema = customInputSchema(t.format as Json | undefined);
    tool.custom = t.format !== undefined ? { format: t.format as Json } : {};
    extra = extraOf(t, K_CUSTOM);
  } else {
    if (isObj(t.parameters)) tool.inputSchema = t.parameters;
    if (typeof t.strict === "boolean") tool.strict = t.strict;
    extra = extraOf(t, K_FUNCTION);
  }
  if (extra) tool.extra = extra;
  return tool;
}

/** Decodes one tool list (`tools`, or an additional_tools item's) into the sink. */
export function decodeToolList(list: readonly unknown[], path: string, sink: ToolSink): void {
  list.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(t) || typeof t.type !== "string") throw invalidRequest(`${p}: expected a tool with a type`, `${p}.type`);
    if (t.type === "function" || t.type === "custom") sink.tools.push(decodeOne(t, p, undefined, sink));
    else if (t.type === "namespace") {
      if (typeof t.name !== "string" || t.name === "") throw invalidRequest(`${p}.name: expected a non-empty string`, `${p}.name`);
      if (!Array.isArray(t.tools)) throw invalidRequest(`${p}.tools: expected an array`, `${p}.tools`);
      t.tools.forEach((inner, j) => {
        const q = `${p}.tools[${j}]`;
        if (!isObj(inner) || (inner.type !== "function" && inner.type !== "custom")) {
          throw invalidRequest(`${q}.type: a namespace holds function and custom tools only`, `${q}.type`);
        }
        sink.tools.push(decodeOne(inner, q, t, sink));
      });
    } else {
      sink.raw.push(t);
      if (!isAdvisory(t)) sink.originOnly.push(builtinToolRefusal(p, t.type));
    }
  });
}

/** Tools of another dialect, as Responses function tools. Strict stays off unless asked: the Chat default. */
export function encodeForeignTools(req: CanonicalRequest, adjust: EncodeRequestOptions["onAdjust"]): Json[] {
  const out: Json[] = [];
  for (const t of req.tools ?? []) {
    const o: Json = { type: "function", name: t.name };
    if (t.description !== undefined) o.description = t.description;
    o.parameters = t.inputSchema ?? { type: "object", properties: {} };
    o.strict = t.strict ?? false;
    if (t.extra && Object.keys(t.extra).length) adjust?.("tools", `${Object.keys(t.extra).join(",")} of tool ${t.name} have no Responses equivalent (the tool is still sent)`);
    out.push(o);
  }
  if (req.rawTools?.length) adjust?.("tools", `server tools of ${req.origin} have no Responses equivalent`);
  return out;
}

/** A Responses client's own tools, as its Response object repeats them: namespaces regrouped, built-ins as sent. */
export function clientTools(req: CanonicalRequest): Json[] {
  const out: Json[] = [];
  let ns: { name: string; tools: Json[] } | undefined;
  for (const t of req.tools ?? []) {
    const own: Json = t.custom ? { type: "custom", name: t.namespace?.function ?? t.name } : { type: "function", name: t.namespace?.function ?? t.name };
    if (t.description !== undefined) own.description = t.description;
    if (t.custom?.format) own.format = t.custom.format;
    if (!t.custom) {
      if (t.inputSchema !== undefined) own.parameters = t.inputSchema;
      if (t.strict !== undefined) own.strict = t.strict;
    }
    if (!t.namespace) {
      ns = undefined;
      out.push(own);
    } else if (ns?.name === t.namespace.name) ns.tools.push(own);
    else {
      ns = { name: t.namespace.name, tools: [own] };
      out.push({ type: "namespace", name: t.namespace.name, description: t.namespace.description ?? "", tools: ns.tools });
    }
  }
  if (req.origin === "openai-responses") out.push(...((req.rawTools ?? []) as Json[]));
  return out;
}

export function decodeToolChoice(tc: unknown): ToolChoice | undefined {
  if (tc === "auto" || tc === "none" || tc === "required") return { type: tc };
  if (typeof tc === "string") throw invalidRequest(`tool_choice: unknown value ${JSON.stringify(tc)}`, "tool_choice");
  if (isObj(tc) && (tc.type === "function" || tc.type === "custom") && typeof tc.name === "string") return { type: "tool", name: tc.name };
  return undefined; // allowed_tools, built-in tool choices and newer forms: kept as sent
}

/** The client's own spelling of a tool choice (a custom tool is chosen as such). */
export function encodeToolChoice(c: ToolChoice, tools: readonly Tool[] | undefined): unknown {
  if (c.type !== "tool") return c.type;
  const t = tools?.find((x) => x.name === c.name);
  return { type: t?.custom ? "custom" : "function", name: t?.namespace?.function ?? c.name };
}
