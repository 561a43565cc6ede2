/**
 * Test support: the rules a Responses stream must follow for strict clients (the openai SDK's ResponseStream and
 * its accumulator, Codex), checked event by event. Returns a description of the first violation, or undefined.
 */
import { sseEvents } from "../shared/sse-assertions.test-support.ts";

type J = Record<string, any>;
const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);
/** The item type each item-scoped event belongs to. */
const ITEM_TYPE: Record<string, string> = {
  "response.content_part.added": "message",
  "response.content_part.done": "message",
  "response.output_text.delta": "message",
  "response.output_text.done": "message",
  "response.refusal.delta": "message",
  "response.refusal.done": "message",
  "response.function_call_arguments.delta": "function_call",
  "response.function_call_arguments.done": "function_call",
  "response.custom_tool_call_input.delta": "custom_tool_call",
  "response.custom_tool_call_input.done": "custom_tool_call",
  "response.reasoning_summary_part.added": "reasoning",
  "response.reasoning_summary_part.done": "reasoning",
  "response.reasoning_summary_text.delta": "reasoning",
  "response.reasoning_summary_text.done": "reasoning",
};

interface Item {
  added: J;
  done?: J;
  parts: { text: string; open: boolean }[];
  summary: { text: string; open: boolean }[];
  args: string;
}

export function responsesViolation(text: string): string | undefined {
  const evs = sseEvents(text);
  if (evs.some((e) => e.data === "[DONE]")) return "[DONE] in a Responses stream";
  const data: J[] = [];
  for (const e of evs) {
    let d: J;
    try {
      d = JSON.parse(e.data);
    } catch {
      return `not JSON: ${e.data.slice(0, 80)}`;
    }
    if (e.event !== d.type) return `event name ${e.event} != data.type ${d.type}`;
    data.push(d);
  }
  if (data[0]?.type !== "response.created") return "response.created is not first";
  if (data[1]?.type !== "response.in_progress") return "response.in_progress is not second";
  const last = data[data.length - 1]!;
  if (!TERMINAL.has(last.type)) return `the last event is ${last.type}, not a terminal one`;
  if (data.filter((d) => TERMINAL.has(d.type)).length !== 1) return "not exactly one terminal event";
  if (last.type === "response.failed" && data[data.length - 2]?.type !== "error") return "response.failed without an error event before it";
  const id = data[0].response?.id;
  if (typeof id !== "string" || !id.startsWith("resp_")) return `response id ${id}`;
  const items: Item[] = [];
  const ids = new Set<string>();
  const calls = new Set<string>();
  for (let n = 0; n < data.length; n++) {
    const d = data[n]!;
    if (d.sequence_number !== n) return `sequence_number ${d.sequence_number} at event ${n}`;
    if (d.response) {
      if (d.response.id !== id) return `response id changed to ${d.response.id}`;
      if (d.response.object !== "response") return "response.object is not response";
      if (typeof d.response.created_at !== "number" || typeof d.response.model !== "string") return "response without created_at/model";
    }
    if (d.type === "response.created" || d.type === "response.in_progress") {
      if (d.response.status !== "in_progress" || d.response.output.length !== 0) return `${d.type} not in progress with empty output`;
      continue;
    }
    if (d.type === "response.output_item.added") {
      if (d.output_index !== items.length) return `output_item.added at ${d.output_index}, expected ${items.length}`;
      if (items.some((i) => !i.done)) return "an item was added while another is open";
      const it = d.item;
      if (typeof it?.id !== "string" || !it.id || ids.has(it.id)) return `item id ${it?.id} missing or repeated`;
      ids.add(it.id);
      if (it.type === "function_call" || it.type === "custom_tool_call") {
        if (typeof it.call_id !== "string" || calls.has(`${it.type}:${it.call_id}`)) return `call_id ${it.call_id} missing or repeated`;
        calls.add(`${it.type}:${it.call_id}`);
      }
      if (it.status !== undefined && it.status !== "in_progress") return "an added item is not in progress";
      items.push({ added: it, parts: [], summary: [], args: "" });
      continue;
    }
    if (d.type === "response.output_item.done") {
      const item = items[d.output_index];
      if (!item || item.done) return `output_item.done for ${d.output_index}, not open`;
      const it = d.item;
      if (it.id !== item.added.id || it.type !== item.added.type || it.call_id !== item.added.call_id) return "output_item.done changed the item's identity";
      if (item.parts.some((p) => p.open) || item.summary.some((p) => p.open)) return "output_item.done with a part still open";
      if (it.type === "message") {
        const texts = it.content.map((p: J) => p.text);
        if (JSON.stringify(texts) !== JSON.stringify(item.parts.map((p) => p.text))) return "message item text differs from its deltas";
        if (it.status !== "completed") return "message item not completed";
      }
      if (it.type === "reasoning" && JSON.stringify(it.summary.map((p: J) => p.text)) !== JSON.stringify(item.summary.map((p) => p.text))) return "reasoning summary differs from its deltas";
      if (it.type === "function_call" && it.arguments !== item.args && !(item.args === "" && it.arguments === "{}")) return "function_call arguments differ from the deltas";
      if (it.type === "custom_tool_call" && it.input !== item.args) return "custom_tool_call input differs from its deltas";
      item.done = it;
      continue;
    }
    if (d.type in ITEM_TYPE) {
      const item = items[d.output_index];
      if (!item || item.done) return `${d.type} for output ${d.output_index}, which is not open`;
      if (d.item_id !== item.added.id) return `${d.type} item_id ${d.item_id} != ${item.added.id}`;
      if (item.added.type !== ITEM_TYPE[d.type]) return `${d.type} on a ${item.added.type} item`;
      switch (d.type) {
        case "response.content_part.added":
          if (d.content_index !== item.parts.length || item.parts.some((p) => p.open)) return "content_part.added out of order";
          item.parts.push({ text: d.part.text, open: true });
          break;
        case "response.output_text.delta": {
          const p = item.parts[d.content_index];
          if (!p?.open) return "output_text.delta for a part not open";
          if (!Array.isArray(d.logprobs)) return "output_text.delta without logprobs";
          p.text += d.delta;
          break;
        }
        case "response.output_text.done":
          if (item.parts[d.content_index]?.text !== d.text) return "output_text.done text differs from the deltas";
          break;
        case "response.content_part.done": {
          const p = item.parts[d.content_index];
          if (!p?.open || d.part.text !== p.text) return "content_part.done for a part not open, or other text";
          p.open = false;
          break;
        }
        case "response.reasoning_summary_part.added":
          if (d.summary_index !== item.summary.length) return "reasoning_summary_part.added out of order";
          item.summary.push({ text: "", open: true });
          break;
        case "response.reasoning_summary_text.delta":
          if (!item.summary[d.summary_index]?.open) return "summary delta for a part not open";
          item.summary[d.summary_index]!.text += d.delta;
          break;
        case "response.reasoning_summary_text.done":
          if (item.summary[d.summary_index]?.text !== d.text) return "summary done text differs";
          break;
        case "response.reasoning_summary_part.done":
          if (!item.summary[d.summary_index]?.open || d.part.text !== item.summary[d.summary_index]!.text) return "summary part done out of order";
          item.summary[d.summary_index]!.open = false;
          break;
        case "response.function_call_arguments.delta":
        case "response.custom_tool_call_input.delta":
          item.args += d.delta;
          break;
        case "response.function_call_arguments.done":
          if (d.arguments !== item.args && !(item.args === "" && d.arguments === "{}")) return "arguments.done differs from the deltas";
          break;
        case "response.custom_tool_call_input.done":
          if (d.input !== item.args) return "custom input done differs from the deltas";
          break;
      }
      continue;
    }
    if (d.type === "error") {
      if (typeof d.message !== "string" || typeof d.code !== "string") return "error event without code/message";
      continue;
    }
    if (TERMINAL.has(d.type)) {
      const r = d.response;
      const failed = d.type === "response.failed";
      if (!failed && items.some((i) => !i.done)) return `${d.type} with an item still open`;
      const doneItems = items.filter((i) => i.done).map((i) => i.done);
      if (JSON.stringify(r.output) !== JSON.stringify(doneItems)) return `${d.type} output differs from the done items`;
      const want = d.type === "response.completed" ? "completed" : d.type === "response.incomplete" ? "incomplete" : "failed";
      if (r.status !== want) return `${d.type} with status ${r.status}`;
      if (want === "incomplete" && typeof r.incomplete_details?.reason !== "string") return "incomplete without a reason";
      if (failed && (typeof r.error?.code !== "string" || typeof r.error?.message !== "string")) return "failed without error code/message";
      if (!failed) {
        const u = r.usage;
        if (![u?.input_tokens, u?.output_tokens, u?.total_tokens, u?.input_tokens_details?.cached_tokens, u?.output_tokens_details?.reasoning_tokens].every((v) => typeof v === "number")) return "usage incomplete";
      }
      continue;
    }
    return `unexpected event ${d.type}`;
  }
  return undefined;
}
