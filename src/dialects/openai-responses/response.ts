/** OpenAI Responses response object <-> canonical response. */
import type { Block, CanonicalResponse } from "../../canonical/model.ts";
import { stopReasonFromResponses, stopReasonToResponses } from "../../canonical/map-finish-reason.ts";
import { usageFromResponses, usageToResponses } from "../../canonical/map-usage.ts";
import type { EncodeContext } from "../types.ts";
import { isObj, type Json } from "../shared/json-shape.ts";
import { createItemIds, newResponseId, responsesId, type ItemKind } from "./ids.ts";
import { customInput, decodeAssistantMessage, decodeCall, decodeReasoning, summaryOf } from "./items.ts";
import { sealEnvelope } from "./reasoning-envelope.ts";
import { reasoningOutput, responseEcho } from "./response-echo.ts";
import { clientToolNames, flatName, type ClientToolName } from "./tool-names.ts";

/** The output items of an upstream's answer as canonical blocks; built-in tool items become raw blocks. */
export function decodeOutputItems(output: unknown): Block[] {
  const blocks: Block[] = [];
  if (!Array.isArray(output)) return blocks;
  output.forEach((item, i) => {
    const path = `output[${i}]`;
    if (!isObj(item)) return;
    if (item.type === "message") blocks.push(...decodeAssistantMessage(item, path));
    else if (item.type === "reasoning") blocks.push(decodeReasoning(item, path));
    else if (item.type === "function_call" || item.type === "custom_tool_call") blocks.push(decodeCall(item, path, flatName));
    else blocks.push({ type: "raw", dialect: "openai-responses", value: item });
  });
  return blocks;
}

export function decodeResponsesResponse(body: unknown): CanonicalResponse {
  const b: Json = isObj(body) ? body : {};
  const content = decodeOutputItems(b.output);
  const incomplete = isObj(b.incomplete_details) ? b.incomplete_details.reason : undefined;
  const res: CanonicalResponse = {
    id: typeof b.id === "string" ? b.id : "",
    model: typeof b.model === "string" ? b.model : "",
    content,
    stopReason: stopReasonFromResponses(b.status, incomplete, content.some((c) => c.type === "tool_call")),
    usage: usageFromResponses(b.usage),
  };
  if (typeof b.created_at === "number") res.created = b.created_at;
  return res;
}

/** The `encrypted_content` a reasoning item carries back: OpenAI's own, or the gateway's envelope. */
export function reasoningState(b: Extract<Block, { type: "thinking" | "redacted_thinking" }>, summaryShown: boolean): string | undefined {
  if (b.type === "redacted_thinking") return sealEnvelope({ kind: "redacted", data: b.data });
  if (b.signature !== undefined) return sealEnvelope(summaryShown ? { kind: "thinking", signature: b.signature } : { kind: "thinking", signature: b.signature, text: b.text });
  return b.encrypted?.dialect === "openai-responses" ? b.encrypted.data : undefined;
}

/** A tool call as the client's own kind of call item, under its own name (and namespace). */
export function callItem(b: Extract<Block, { type: "tool_call" }>, name: ClientToolName | undefined, id: string): Json {
  if (name?.custom) {
    const item: Json = { id, type: "custom_tool_call", status: "completed", call_id: b.id, input: customInput(b.arguments), name: name.name };
    if (name.namespace !== undefined) item.namespace = name.namespace;
    return item;
  }
  const item: Json = { id, type: "function_call", status: "completed", arguments: b.arguments || "{}", call_id: b.id, name: name?.name ?? b.name };
  if (name?.namespace !== undefined) item.namespace = name.namespace;
  return item;
}

/**
 * Canonical blocks -> a Responses client's output items: consecutive text and refusals are one message item
 * (a part each), thinking a reasoning item, tool calls call items. Blocks of other dialects (server-tool results)
 * have no Responses form.
 */
export function encodeOutputItems(
  blocks: readonly Block[],
  request: EncodeContext["request"],
  itemId: (kind: ItemKind, index: number) => string,
  /** The items the gateway keeps: reasoning state included whatever the client asked. */
  kept = false,
): Json[] {
  const out: Json[] = [];
  const names = clientToolNames(request?.tools);
  const show = reasoningOutput(request);
  if (kept) show.encrypted = true;
  let parts: Json[] | undefined;
  const flush = () => {
    if (parts) out.push({ id: itemId("message", out.length), type: "message", status: "completed", content: parts, role: "assistant" });
    parts = undefined;
  };
  for (const b of blocks) {
    if (b.type === "text") (parts ??= []).push({ type: "output_text", annotations: [], text: b.text });
    else if (b.type === "refusal") (parts ??= []).push({ type: "refusal", refusal: b.text });
    else if (b.type === "thinking" || b.type === "redacted_thinking") {
      flush();
      const text = b.type === "thinking" ? b.text : "";
      const item: Json = { id: itemId("reasoning", out.length), type: "reasoning", summary: show.summary ? summaryOf(text) : [] };
      const state = show.encrypted ? reasoningState(b, show.summary) : undefined;
      if (state !== undefined) item.encrypted_content = state;
      out.push(item);
    } else if (b.type === "tool_call") {
      flush();
      out.push(callItem(b, names.get(b.name), itemId(names.get(b.name)?.custom ? "custom_tool_call" : "function_call", out.length)));
    }
  }
  flush();
  return out;
}

export function encodeResponsesResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown> {
  const itemId = createItemIds();
  const output = encodeOutputItems(res.content, ctx.request, itemId);
  const { status, reason } = stopReasonToResponses(res.stopReason);
  const echo = responseEcho(ctx.request);
  const response = {
    // A kept answer is named by the gateway: follow-ups find it by this id, and upstream ids need not be unique.
    id: ctx.keep ? newResponseId() : res.id ? responsesId(res.id) : (ctx.id ?? newResponseId()),
    object: "response",
    created_at: res.created ?? ctx.created ?? Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: reason ? { reason } : null,
    ...echo.before,
    model: ctx.model,
    output,
    ...echo.after,
    usage: usageToResponses(res.usage),
    ...echo.tail,
  };
  if (ctx.keep) ctx.keep(JSON.stringify(response), encodeOutputItems(res.content, ctx.request, itemId, true).map((it) => JSON.stringify(it)));
  return response;
}
