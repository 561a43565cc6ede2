/**
 * Canonical stream events -> OpenAI Responses SSE for the client, the event sequence strict clients check:
 *
 *   response.created, response.in_progress
 *   per output item: response.output_item.added, then
 *     message:   content_part.added, output_text.delta*, output_text.done, content_part.done (one part per text
 *                block; consecutive text blocks share the item)
 *     reasoning: reasoning_summary_part.added, reasoning_summary_text.delta*, .done, reasoning_summary_part.done
 *                (only when the client asked for summaries)
 *     function_call: function_call_arguments.delta*, function_call_arguments.done
 *     custom_tool_call: custom_tool_call_input.delta, custom_tool_call_input.done (the whole input at once: the
 *                canonical arguments are `{"input": "..."}` JSON, unwrapped when complete)
 *   response.output_item.done (the full item: Codex reads the text from here)
 *   response.completed | response.incomplete (full output and usage) — or, on failure, error + response.failed.
 *
 * `sequence_number` counts from 0 over every event; item ids are stable across events; `output_index` is the
 * item's place in `response.output`. What an SDK's ResponseStream checks is in
 * src/dialects/openai-responses/stream-assertions.test-support.ts.
 *
 * Per-token cost: a delta event is concatenated from a head made when its item opened, the sequence number and
 * the delta's string literal (jsonString, or the upstream's own literal on the raw lane). The text so far is kept
 * as escaped JSON (the literals' insides), so the done events need no re-escaping.
 */
import type { CanonicalStreamEvent, StreamBlockStart } from "../../canonical/stream-events.ts";
import type { StopReason, ThinkingBlock, Usage } from "../../canonical/model.ts";
import { stopReasonToResponses } from "../../canonical/map-finish-reason.ts";
import { usageToResponses } from "../../canonical/map-usage.ts";
import type { EncodeContext, StreamEncoder } from "../types.ts";
import { jsonString } from "../shared/json-string.ts";
import { errorEventFields, failureCode } from "./errors.ts";
import { createItemIds, newResponseId, responsesId, type ItemKind } from "./ids.ts";
import { customInput } from "./items.ts";
import { reasoningState } from "./response.ts";
import { reasoningOutput, responseEcho } from "./response-echo.ts";
import { clientToolNames } from "./tool-names.ts";

const TEXT_HEAD = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":`;
const TEXT_END = `,"logprobs":[]}\n\n`;
const ARGS_HEAD = `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","sequence_number":`;
const SUMMARY_HEAD = `event: response.reasoning_summary_text.delta\ndata: {"type":"response.reasoning_summary_text.delta","sequence_number":`;
const OBJ_END = `}\n\n`;

/** Inside of a JSON string literal (what is between its quotes). */
const inner = (literal: string) => literal.slice(1, -1);
/** JSON fields of an object, without its braces, followed by a comma. */
const fields = (o: Record<string, unknown>) => `${JSON.stringify(o).slice(1, -1)},`;

type Kind = "message" | "reasoning" | "function" | "custom" | "skip";

export function createResponsesStreamEncoder(ctx: EncodeContext): StreamEncoder {
  // What the stream needs of the client's request is taken now: no closure below holds `ctx`, so the request (a
  // coding agent's is hundreds of KB) is not kept alive for the stream's whole length.
  const names = clientToolNames(ctx.request?.tools);
  const show = reasoningOutput(ctx.request);
  const echo = responseEcho(ctx.request);
  const { id: givenId, created: givenCreated, keep } = ctx;
  const itemId = createItemIds();
  const modelJ = JSON.stringify(ctx.model);
  /** The kept items (EncodeContext.keep), by output index; only when the answer is kept. */
  const keptItems: string[] | undefined = keep ? [] : undefined;
  let seq = 0;
  let started = false;
  let ended = false;
  let head = ""; // {"id":…,"object":"response","created_at":…,
  let echoBefore = "";
  let echoAfter = "";
  let echoTail = "";
  const output: string[] = []; // done items' JSON, by output index
  let nextIndex = 0;
  let stopReason: StopReason | null = null;
  let usage: Usage | undefined;

  // The open output item.
  let kind: Kind | null = null;
  let src = -1; // canonical block index feeding it
  let index = -1;
  let id = "";
  /** `,"item_id":…,"output_index":…` of the open item. */
  let itemRef = "";
  let acc = ""; // escaped text / arguments so far
  // message
  let parts: string[] = [];
  let partOpen = false;
  let deltaMid = ""; // ,"item_id":…,"output_index":…,"content_index":…,"delta":
  // reasoning
  let summaryOpen = false;
  let signature: string | undefined;
  let encrypted: ThinkingBlock["encrypted"];
  let redacted: string | undefined;
  // calls
  let callFields = ""; // "call_id":…,"name":…(,"namespace":…)
  let nameJ = "";
  let argsSeen = false;

  const ev = (type: string, body: string) => `event: ${type}\ndata: {"type":"${type}","sequence_number":${seq++},${body}}\n\n`;
  const response = (status: string, errorAndDetails: string, usageJson: string) =>
    `${head}"status":"${status}",${errorAndDetails}${echoBefore}"model":${modelJ},"output":[${output.join(",")}],${echoAfter}"usage":${usageJson},${echoTail}}`;

  const start = (upstreamId: string, created?: number) => {
    started = true;
    // A kept answer is named by the gateway: follow-ups find it by this id, and upstream ids need not be unique.
    const rid = keep ? newResponseId() : upstreamId ? responsesId(upstreamId) : (givenId ?? newResponseId());
    head = `{"id":${JSON.stringify(rid)},"object":"response","created_at":${created ?? givenCreated ?? Math.floor(Date.now() / 1000)},`;
    echoBefore = fields(echo.before);
    echoAfter = fields(echo.after);
    echoTail = JSON.stringify(echo.tail).slice(1, -1);
    const r = response("in_progress", `"error":null,"incomplete_details":null,`, "null");
    return ev("response.created", `"response":${r}`) + ev("response.in_progress", `"response":${r}`);
  };
  const ensureStarted = () => (started ? "" : start(""));

  const openItem = (k: Kind, idKind: ItemKind, block: number) => {
    kind = k;
    src = block;
    index = nextIndex++;
    id = itemId(idKind, index);
    itemRef = `"item_id":"${id}","output_index":${index}`;
    acc = "";
  };
  const itemDone = (item: string, kept = item) => {
    output.push(item);
    keptItems?.push(kept);
    kind = null;
    src = -1;
    return ev("response.output_item.done", `"output_index":${index},"item":${item}`);
  };

  const openPart = (block: number) => {
    src = block;
    partOpen = true;
    acc = "";
    const ci = parts.length;
    deltaMid = `,${itemRef},"content_index":${ci},"delta":`;
    return ev("response.content_part.added", `${itemRef},"content_index":${ci},"part":{"type":"output_text","annotations":[],"text":""}`);
  };
  const closePart = () => {
    partOpen = false;
    const ci = parts.length;
    const part = `{"type":"output_text","annotations":[],"text":"${acc}"}`;
    parts.push(part);
    return ev("response.output_text.done", `${itemRef},"content_index":${ci},"text":"${acc}","logprobs":[]`) + ev("response.content_part.done", `${itemRef},"content_index":${ci},"part":${part}`);
  };

  const closeReasoning = () => {
    let s = "";
    let summary = "";
    if (summaryOpen) {
      summaryOpen = false;
      summary = `{"type":"summary_text","text":"${acc}"}`;
      s = ev("response.reasoning_summary_text.done", `${itemRef},"summary_index":0,"text":"${acc}"`) + ev("response.reasoning_summary_part.done", `${itemRef},"summary_index":0,"part":${summary}`);
    }
    let state: string | undefined;
    if (show.encrypted || keptItems) {
      state = redacted !== undefined
        ? reasoningState({ type: "redacted_thinking", data: redacted }, show.summary)
        : reasoningState({ type: "thinking", text: show.summary ? "" : JSON.parse(`"${acc}"`), signature, encrypted }, show.summary);
    }
    const bare = `{"id":"${id}","type":"reasoning","summary":[${summary}]`;
    const withState = state === undefined ? `${bare}}` : `${bare},"encrypted_content":${JSON.stringify(state)}}`;
    return s + itemDone(show.encrypted ? withState : `${bare}}`, withState);
  };

  const closeCall = () => {
    if (kind === "custom") {
      const input = customInput(acc ? JSON.parse(`"${acc}"`) : "");
      const inputJ = JSON.stringify(input);
      let s = input ? ev("response.custom_tool_call_input.delta", `${itemRef},"delta":${inputJ}`) : "";
      s += ev("response.custom_tool_call_input.done", `${itemRef},"input":${inputJ}`);
      return s + itemDone(`{"id":"${id}","type":"custom_tool_call","status":"completed",${callFields},"input":${inputJ}}`);
    }
    // An argument-less call gets "{}", never "": clients JSON.parse it.
    const args = argsSeen ? `"${acc}"` : `"{}"`;
    return ev("response.function_call_arguments.done", `${itemRef},"name":${nameJ},"arguments":${args}`) + itemDone(`{"id":"${id}","type":"function_call","status":"completed","arguments":${args},${callFields}}`);
  };

  /** Closes the open item, whatever it is (a message stays open across its text blocks until this). */
  const closeOpen = () => {
    switch (kind) {
      case "message":
        return (partOpen ? closePart() : "") + itemDone(`{"id":"${id}","type":"message","status":"completed","content":[${parts.join(",")}],"role":"assistant"}`);
      case "reasoning":
        return closeReasoning();
      case "function":
      case "custom":
        return closeCall();
      case "skip":
        kind = null;
        src = -1;
        return "";
      default:
        return "";
    }
  };

  const blockStart = (block: number, b: StreamBlockStart): string => {
    if (b.type === "text") {
      let s = "";
      if (kind !== "message") {
        s = closeOpen();
        openItem("message", "message", block);
        parts = [];
        s += ev("response.output_item.added", `"output_index":${index},"item":{"id":"${id}","type":"message","status":"in_progress","content":[],"role":"assistant"}`);
      } else if (partOpen) s += closePart();
      s += openPart(block);
      if (b.text) s += textDelta(jsonString(b.text));
      return s;
    }
    let s = closeOpen();
    if (b.type === "thinking" || b.type === "redacted_thinking") {
      openItem("reasoning", "reasoning", block);
      summaryOpen = false;
      signature = b.type === "thinking" ? b.signature : undefined;
      encrypted = undefined;
      redacted = b.type === "redacted_thinking" ? b.data : undefined;
      s += ev("response.output_item.added", `"output_index":${index},"item":{"id":"${id}","type":"reasoning","summary":[]}`);
      if (b.type === "thinking" && b.text) s += thinkingDelta(jsonString(b.text));
      return s;
    }
    if (b.type === "tool_call") {
      const name = names.get(b.name);
      const custom = name?.custom === true;
      openItem(custom ? "custom" : "function", custom ? "custom_tool_call" : "function_call", block);
      argsSeen = false;
      nameJ = JSON.stringify(name?.name ?? b.name);
      callFields = `"call_id":${JSON.stringify(b.id)},"name":${nameJ}${name?.namespace !== undefined ? `,"namespace":${JSON.stringify(name.namespace)}` : ""}`;
      const item = custom
        ? `{"id":"${id}","type":"custom_tool_call","status":"in_progress",${callFields},"input":""}`
        : `{"id":"${id}","type":"function_call","status":"in_progress","arguments":"",${callFields}}`;
      return s + ev("response.output_item.added", `"output_index":${index},"item":${item}`);
    }
    // A block of another dialect (server tool use, ...): no Responses form; its deltas are skipped too.
    kind = "skip";
    src = block;
    return s;
  };

  const textDelta = (literal: string) => {
    acc += inner(literal);
    return TEXT_HEAD + seq++ + deltaMid + literal + TEXT_END;
  };
  const thinkingDelta = (literal: string) => {
    acc += inner(literal);
    if (!show.summary) return "";
    let s = "";
    if (!summaryOpen) {
      summaryOpen = true;
      s = ev("response.reasoning_summary_part.added", `${itemRef},"summary_index":0,"part":{"type":"summary_text","text":""}`);
    }
    return s + SUMMARY_HEAD + seq++ + `,${itemRef},"summary_index":0,"delta":` + literal + OBJ_END;
  };
  const argsDelta = (literal: string) => {
    argsSeen = true;
    acc += inner(literal);
    return kind === "custom" ? "" : ARGS_HEAD + seq++ + `,${itemRef},"delta":` + literal + OBJ_END;
  };

  const terminal = () => {
    const { status, reason } = stopReasonToResponses(stopReason);
    const details = `"error":null,"incomplete_details":${reason ? `{"reason":"${reason}"}` : "null"},`;
    const r = response(status, details, JSON.stringify(usageToResponses(usage ?? { inputTokens: 0, outputTokens: 0 })));
    keep?.(r, keptItems!);
    return ev(status === "completed" ? "response.completed" : "response.incomplete", `"response":${r}`);
  };

  return {
    // Same text as push() gives for text_delta / tool_args_delta, from the literal instead of the decoded string.
    pushLiteral(k, block, literal) {
      if (ended || block !== src) return undefined;
      if (k === "text") return kind === "message" && partOpen ? textDelta(literal) : undefined;
      return kind === "function" || kind === "custom" ? argsDelta(literal) : undefined;
    },
    push(e: CanonicalStreamEvent): string {
      if (ended) return "";
      switch (e.type) {
        case "start":
          if (e.usage) usage = e.usage;
          return started ? "" : start(e.id, e.created);
        case "block_start":
          return ensureStarted() + blockStart(e.index, e.block);
        case "text_delta":
          return e.index === src && kind === "message" && partOpen && e.text ? textDelta(jsonString(e.text)) : "";
        case "thinking_delta":
          return e.index === src && kind === "reasoning" && e.text ? thinkingDelta(jsonString(e.text)) : "";
        case "signature_delta":
          if (e.index === src && kind === "reasoning") signature = (signature ?? "") + e.signature;
          return "";
        case "thinking_encrypted":
          if (e.index === src && kind === "reasoning") encrypted = e.encrypted;
          return "";
        case "tool_args_delta":
          return e.index === src && (kind === "function" || kind === "custom") && e.json ? argsDelta(jsonString(e.json)) : "";
        case "raw_delta":
          return ""; // citations and other deltas of another dialect have no Responses form
        case "block_stop":
          if (e.index !== src) return "";
          // A message stays open: the next text block becomes its next part.
          if (kind === "message") return partOpen ? closePart() : "";
          return closeOpen();
        case "finish":
          stopReason = e.stopReason;
          return "";
        case "usage":
          usage = e.usage;
          return "";
        case "ping":
          return started ? ": ping\n\n" : "";
        case "end": {
          ended = true;
          return ensureStarted() + closeOpen() + terminal();
        }
        case "error": {
          ended = true;
          // The open item is not finished: no done event for it (a half-made call must not look callable).
          const err = e.error;
          const r = response("failed", `"error":${JSON.stringify({ code: failureCode(err), message: err.message })},"incomplete_details":null,`, usage ? JSON.stringify(usageToResponses(usage)) : "null");
          return ensureStarted() + ev("error", errorEventFields(err)) + ev("response.failed", `"response":${r}`);
        }
      }
    },
  };
}
