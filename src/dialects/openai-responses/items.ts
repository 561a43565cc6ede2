/**
 * Output items (reasoning, assistant messages, function and custom tool calls) -> canonical blocks. The same
 * items are a client's history (`input`) and an upstream's answer (`output`), so request and response decoding
 * share these.
 */
import { invalidRequest } from "../../errors.ts";
import type { Block } from "../../canonical/model.ts";
import { isObj, tryParseJson, type Json } from "../shared/json-shape.ts";
import { decodePart } from "./parts.ts";
import { openEnvelope } from "./reasoning-envelope.ts";

const str = (o: Json, key: string, path: string): string => {
  const v = o[key];
  if (typeof v !== "string") throw invalidRequest(`${path}.${key}: expected a string`, `${path}.${key}`);
  return v;
};

/** A reasoning item's summary for a thinking text: one part, none for no text (as OpenAI sends it). */
export const summaryOf = (text: string): Json[] => (text ? [{ type: "summary_text", text }] : []);

/**
 * A `reasoning` item: its summary parts joined by a blank line are the thinking text. Its encrypted content is
 * kept with its origin, or, when the gateway made it, opened back into Anthropic's signed (or redacted) block.
 */
export function decodeReasoning(item: Json, path: string): Block {
  const summary = item.summary ?? [];
  if (!Array.isArray(summary)) throw invalidRequest(`${path}.summary: expected an array`, `${path}.summary`);
  const text = summary.map((p, j) => str(isObj(p) ? p : {}, "text", `${path}.summary[${j}]`)).join("\n\n");
  const enc = typeof item.encrypted_content === "string" ? item.encrypted_content : undefined;
  const env = enc === undefined ? undefined : openEnvelope(enc);
  if (env?.kind === "redacted") return { type: "redacted_thinking", data: env.data };
  if (env) return { type: "thinking", text: env.text ?? text, signature: env.signature };
  const b: Block = { type: "thinking", text };
  if (enc !== undefined) b.encrypted = typeof item.id === "string" ? { dialect: "openai-responses", data: enc, itemId: item.id } : { dialect: "openai-responses", data: enc };
  return b;
}

/** `{"input": text}` (a custom tool's canonical arguments) -> text; anything else is passed on as it came. */
export function customInput(args: string): string {
  const v = tryParseJson(args);
  return isObj(v) && typeof v.input === "string" ? v.input : args;
}

/**
 * A `function_call` or `custom_tool_call` item -> tool_call (id = `call_id`, not the item id). A custom call's
 * input becomes `{"input": "..."}` arguments; `flat` names a function of a namespace.
 */
export function decodeCall(item: Json, path: string, flat: (namespace: string, name: string) => string): Block {
  const callId = str(item, "call_id", path);
  const name = str(item, "name", path);
  const args = item.type === "custom_tool_call" ? JSON.stringify({ input: str(item, "input", path) }) : str(item, "arguments", path);
  return { type: "tool_call", id: callId, name: typeof item.namespace === "string" ? flat(item.namespace, name) : name, arguments: args };
}

/** An assistant `message` item -> its text and refusal blocks. */
export function decodeAssistantMessage(item: Json, path: string): Block[] {
  const c = item.content;
  if (typeof c === "string") return c ? [{ type: "text", text: c }] : [];
  if (!Array.isArray(c)) throw invalidRequest(`${path}.content: expected a string or an array of parts`, `${path}.content`);
  return c.map((p, j) => decodePart(p, `${path}.content[${j}]`));
}
