/**
 * The raw lane (stream-converter.ts) must be invisible: for any upstream stream, split anywhere, the client gets
 * byte for byte what the full path (parse → decode → encode) gives. Plus the matchers' edges.
 */
import { describe, expect, test } from "bun:test";
import { sniffAnthropicDelta as sniffInto } from "../dialects/anthropic-messages/sniff-delta.ts";
import { dialects } from "../dialects/index.ts";
import { contentChunkHead, sniffContentChunk as sniffChunkInto } from "../dialects/openai-chat/sniff-chunk.ts";
import type { RawDelta } from "../dialects/types.ts";

/** The matchers fill a scratch object; these give it back (or undefined) so tests can compare whole answers. */
const scratch = (): RawDelta => ({ kind: "text", index: -1, literalStart: -1, literalEnd: -1, next: -1 });
const sniffAnthropicDelta = (s: string, pos: number) => {
  const out = scratch();
  return sniffInto(s, pos, out) ? out : undefined;
};
const sniffContentChunk = (s: string, pos: number, head: string, index: number) => {
  const out = scratch();
  return sniffChunkInto(s, pos, head, index, out) ? out : undefined;
};
import { verbatimLiteralEnd } from "../dialects/shared/json-string.ts";
import type { DialectName } from "../dialects/types.ts";
import { responsesViolation } from "../dialects/openai-responses/stream-assertions.test-support.ts";
import { createSseParser } from "../transport/sse-parser.ts";
import { createStreamConverter } from "./stream-converter.ts";
import { rng } from "../../test/support/rng.ts";


const PIECES = ["a", " the", "é", "😀", '"', "\\", "\n", "\t", "\u0001", "\u2028", "}}", '"}', "{\"x\":1}", "\n\n", "data: x"];
const randomText = (r: () => number, words = 4) => {
  let s = "";
  for (let n = Math.floor(r() * words); n > 0; n--) s += r() < 0.7 ? ["Hello", " world", " ok", "!", " é", " 😀"][Math.floor(r() * 6)] : PIECES[Math.floor(r() * PIECES.length)];
  return s;
};

const enc = new TextEncoder();

/** Converts `sse` split into random byte chunks; returns the client's text and how many events took the raw lane. */
function convert(from: DialectName, to: DialectName, sse: string, r: () => number, rawLane: boolean) {
  const bytes = enc.encode(sse);
  const parser = createSseParser();
  const decoder = dialects[from].streamDecoder();
  const encoder = dialects[to].streamEncoder({ model: "client-model", id: "id1", created: 1, includeUsage: true });
  let lane = 0;
  if (encoder.pushLiteral) {
    const put = encoder.pushLiteral;
    encoder.pushLiteral = (k, i, l) => {
      const out = put(k, i, l);
      if (out !== undefined) lane++;
      return out;
    };
  }
  const c = createStreamConverter(parser, decoder, encoder, { rawLane });
  let out = "";
  for (let at = 0; at < bytes.length; ) {
    const n = r() < 0.5 ? bytes.length : 1 + Math.floor(r() * 300);
    out += c.chunk(bytes.subarray(at, at + n));
    at += n;
  }
  const end = c.end();
  return { out: out + end.text, lane, failed: end.failed?.message };
}

function anthropicStream(r: () => number): string {
  const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  let s = ev("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], usage: { input_tokens: 3, output_tokens: 1 } } });
  const blocks = 1 + Math.floor(r() * 3);
  for (let b = 0; b < blocks; b++) {
    const kind = Math.floor(r() * 3);
    const cb = kind === 0 ? { type: "text", text: "" } : kind === 1 ? { type: "tool_use", id: `toolu_${b}`, name: "f", input: {} } : { type: "thinking", thinking: "" };
    s += ev("content_block_start", { type: "content_block_start", index: b, content_block: cb });
    if (r() < 0.2) s += ev("ping", { type: "ping" });
    for (let i = Math.floor(r() * 8); i > 0; i--) {
      const text = randomText(r);
      const delta = kind === 0 ? { type: "text_delta", text } : kind === 1 ? { type: "input_json_delta", partial_json: text } : { type: "thinking_delta", thinking: text };
      // Now and then a delta in other bytes than the usual (spacing), or a CRLF event: the full path's business.
      const data = r() < 0.1 ? JSON.stringify({ type: "content_block_delta", index: b, delta }, null, 1) : JSON.stringify({ type: "content_block_delta", index: b, delta });
      s += r() < 0.05 ? `event: content_block_delta\r\ndata: ${data.replace(/\n/g, "")}\r\n\r\n` : `event: content_block_delta\ndata: ${data.replace(/\n/g, "")}\n\n`;
    }
    if (kind === 2) s += ev("content_block_delta", { type: "content_block_delta", index: b, delta: { type: "signature_delta", signature: "sig" } });
    s += ev("content_block_stop", { type: "content_block_stop", index: b });
  }
  s += ev("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } });
  if (r() < 0.9) s += ev("message_stop", { type: "message_stop" });
  return s;
}

function openaiStream(r: () => number): string {
  const extra = r() < 0.5 ? { system_fingerprint: "fp_1", service_tier: "default" } : {};
  const chunk = (delta: unknown, finish: string | null = null, tail: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt", ...extra, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...tail })}\n\n`;
  const tail = () => (r() < 0.3 ? { usage: null } : {}) as Record<string, unknown>;
  let s = chunk({ role: "assistant", content: "" });
  for (let i = Math.floor(r() * 12); i > 0; i--) {
    const p = r();
    if (p < 0.7) s += chunk({ content: randomText(r) }, null, r() < 0.2 ? { ...tail(), obfuscation: "aB3" } : tail());
    else if (p < 0.8) s += chunk({ reasoning_content: randomText(r) });
    else if (p < 0.9) s += chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: randomText(r) } }] });
    else if (p < 0.95) s += chunk({ content: randomText(r) }, null, { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    else s += `data: ${JSON.stringify({ error: { message: "boom", type: "server_error" } })}\n\n`;
  }
  s += chunk({}, "stop");
  s += `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })}\n\n`;
  if (r() < 0.9) s += "data: [DONE]\n\n";
  return s;
}

/** Gemini SSE: CRLF (as Google sends it) or LF, text and thought parts, whole calls, partial usage, sometimes cut. */
function geminiStream(r: () => number): string {
  const nl = r() < 0.7 ? "\r\n" : "\n";
  const tail = { usageMetadata: { trafficType: "ON_DEMAND" }, modelVersion: "gemini-2.5-flash", responseId: "r1" };
  const chunk = (parts: unknown[], extra: Record<string, unknown> = {}, top: Record<string, unknown> = tail) =>
    `data: ${JSON.stringify({ candidates: [{ content: { parts, role: "model" }, ...extra, index: 0 }], ...top })}${nl}${nl}`;
  let s = "";
  for (let i = 1 + Math.floor(r() * 12); i > 0; i--) {
    const p = r();
    if (p < 0.7) s += chunk([{ text: randomText(r) }]);
    else if (p < 0.8) s += chunk([{ text: randomText(r), thought: true }]);
    else if (p < 0.87) s += chunk([{ functionCall: { name: "f", args: { a: randomText(r) } }, ...(r() < 0.5 ? { thoughtSignature: "c2ln" } : {}) }]);
    else if (p < 0.92) s += chunk([{ text: randomText(r) }], {}, { ...tail, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } });
    else if (p < 0.96) s += chunk([{ text: "", thoughtSignature: "c2ln" }]);
    else s += `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: randomText(r) }], role: "model" }, index: 0 }], ...tail }, null, 1).replace(/\n/g, "")}${nl}${nl}`;
  }
  if (r() < 0.9) s += chunk([{ text: "" }], { finishReason: "STOP" }, { ...tail, usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5, totalTokenCount: 8 } });
  return s;
}

/** An OpenAI Responses stream: reasoning, messages with one or two parts, function and custom tool calls. */
function responsesStream(r: () => number): string {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const resp = { id: "resp_1", object: "response", created_at: 1, status: "in_progress", model: "gpt", output: [], usage: null };
  let s = ev("response.created", { response: resp }) + ev("response.in_progress", { response: resp });
  const items = 1 + Math.floor(r() * 3);
  for (let o = 0; o < items; o++) {
    const kind = Math.floor(r() * 4);
    const id = `item_${o}`;
    if (kind === 0) {
      s += ev("response.output_item.added", { output_index: o, item: { id, type: "message", status: "in_progress", content: [], role: "assistant" } });
      for (let p = 0, parts = r() < 0.2 ? 2 : 1; p < parts; p++) {
        s += ev("response.content_part.added", { item_id: id, output_index: o, content_index: p, part: { type: "output_text", annotations: [], text: "" } });
        for (let i = Math.floor(r() * 8); i > 0; i--) {
          // The gateway's key order, or OpenAI's own (with its obfuscation padding).
          s += r() < 0.5
            ? ev("response.output_text.delta", { item_id: id, output_index: o, content_index: p, delta: randomText(r), logprobs: [] })
            : ev("response.output_text.delta", { content_index: p, delta: randomText(r), item_id: id, logprobs: [], obfuscation: "k2Fv9", output_index: o });
        }
        s += ev("response.content_part.done", { item_id: id, output_index: o, content_index: p, part: { type: "output_text", annotations: [], text: "" } });
      }
    } else if (kind === 1) {
      s += ev("response.output_item.added", { output_index: o, item: { id, type: "reasoning", summary: [] } });
      s += ev("response.reasoning_summary_part.added", { item_id: id, output_index: o, summary_index: 0, part: { type: "summary_text", text: "" } });
      for (let i = Math.floor(r() * 5); i > 0; i--) s += ev("response.reasoning_summary_text.delta", { item_id: id, output_index: o, summary_index: 0, delta: randomText(r) });
      s += ev("response.output_item.done", { output_index: o, item: { id, type: "reasoning", summary: [], encrypted_content: "gAAA" } });
      continue;
    } else if (kind === 2) {
      s += ev("response.output_item.added", { output_index: o, item: { id, type: "function_call", status: "in_progress", arguments: "", call_id: `call_${o}`, name: "f" } });
      for (let i = Math.floor(r() * 6); i > 0; i--) s += ev("response.function_call_arguments.delta", { item_id: id, output_index: o, delta: randomText(r) });
    } else {
      s += ev("response.output_item.added", { output_index: o, item: { id, type: "custom_tool_call", status: "in_progress", input: "", call_id: `call_${o}`, name: "exec", namespace: "functions" } });
      for (let i = Math.floor(r() * 6); i > 0; i--) s += ev("response.custom_tool_call_input.delta", { item_id: id, output_index: o, delta: randomText(r) });
    }
    s += ev("response.output_item.done", { output_index: o, item: { id, type: "x" } });
  }
  if (r() < 0.1) s += ev("error", { code: "server_error", message: "boom" });
  const usage = { input_tokens: 3, input_tokens_details: { cached_tokens: 1 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 12 };
  if (r() < 0.9) s += ev(r() < 0.9 ? "response.completed" : "response.incomplete", { response: { ...resp, status: "completed", usage } });
  return s;
}

describe("raw lane", () => {
  for (const [from, to, make] of [
    ["anthropic-messages", "openai-chat", anthropicStream],
    ["openai-chat", "anthropic-messages", openaiStream],
    ["anthropic-messages", "openai-completions", anthropicStream],
    ["gemini", "anthropic-messages", geminiStream],
    ["gemini", "openai-chat", geminiStream],
    ["anthropic-messages", "gemini", anthropicStream],
    ["openai-chat", "gemini", openaiStream],
    ["anthropic-messages", "openai-responses", anthropicStream],
    ["openai-chat", "openai-responses", openaiStream],
    ["gemini", "openai-responses", geminiStream],
    ["openai-responses", "anthropic-messages", responsesStream],
    ["openai-responses", "openai-chat", responsesStream],
    ["openai-responses", "gemini", responsesStream],
  ] as const) {
    test(`property: ${from} → ${to}, random streams split at random bytes, byte-identical with and without the lane`, () => {
      let laneTotal = 0;
      for (let round = 0; round < 400; round++) {
        const sse = make(rng(round));
        const withLane = convert(from, to, sse, rng(1000 + round), true);
        const without = convert(from, to, sse, rng(2000 + round), false);
        // Generated ids (tool calls without one) differ between two runs; nothing else may.
        // Responses item ids are random per stream too.
        const norm = (t: string) => t.replace(/(call|toolu|msg|rs|fc|ctc)_[A-Za-z0-9]+/g, "$1_x");
        expect(norm(withLane.out)).toBe(norm(without.out));
        expect(withLane.failed).toBe(without.failed);
        // Whatever the upstream did, a Responses client gets a well-formed stream.
        if (to === "openai-responses") expect(responsesViolation(withLane.out)).toBeUndefined();
        laneTotal += withLane.lane;
      }
      if (to !== "openai-completions") expect(laneTotal).toBeGreaterThan(200);
    });
  }

  test("every plain delta of a stream takes the lane, in one chunk or split", () => {
    const words = ["Hello", " world", ",", " é", " 😀", "!"];
    const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    const sse =
      ev("message_start", { type: "message_start", message: { id: "msg_1", model: "m", usage: { input_tokens: 3 } } }) +
      ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }) +
      words.map((text) => ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })).join("") +
      ev("content_block_stop", { type: "content_block_stop", index: 0 }) +
      ev("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 6 } }) +
      ev("message_stop", { type: "message_stop" });
    const whole = convert("anthropic-messages", "openai-chat", sse, () => 0.1, true);
    expect(whole.lane).toBe(words.length);
    expect(whole.out).toBe(convert("anthropic-messages", "openai-chat", sse, () => 0.1, false).out);
    // Split into small pieces, a delta cut across chunks takes the full path; the output is the same.
    expect(convert("anthropic-messages", "openai-chat", sse, rng(9), true).out).toBe(whole.out);
  });
});

describe("matchers", () => {
  test("verbatimLiteralEnd: plain literals only", () => {
    expect(verbatimLiteralEnd('x"abc"}', 1)).toBe(6);
    expect(verbatimLiteralEnd('"a\\"b"', 0)).toBe(-1);
    expect(verbatimLiteralEnd('"a\nb"', 0)).toBe(-1);
    expect(verbatimLiteralEnd('"a\tb"', 0)).toBe(-1);
    expect(verbatimLiteralEnd('"abc', 0)).toBe(-1);
    expect(verbatimLiteralEnd("abc", 0)).toBe(-1);
    expect(verbatimLiteralEnd('"é 😀 \u2028"\n', 0)).toBe(8);
  });

  const A = (rest: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":${rest}\n\n`;
  test("Anthropic: text and tool-argument deltas in their usual bytes", () => {
    const hi = A('12,"delta":{"type":"text_delta","text":"Hi"}}');
    expect(sniffAnthropicDelta(hi, 0)).toEqual({ kind: "text", index: 12, literalStart: hi.indexOf('"Hi"'), literalEnd: hi.indexOf('"Hi"') + 4, next: hi.length });
    expect(sniffAnthropicDelta(`xx${A('0,"delta":{"type":"input_json_delta","partial_json":"{\\"a"}}')}`, 2)).toBeUndefined(); // an escape
    expect(sniffAnthropicDelta(A('0,"delta":{"type":"input_json_delta","partial_json":"{"}}'), 0)?.kind).toBe("tool_args");
    for (const rest of [
      '01,"delta":{"type":"text_delta","text":"a"}}',
      '-1,"delta":{"type":"text_delta","text":"a"}}',
      '1.5,"delta":{"type":"text_delta","text":"a"}}',
      ',"delta":{"type":"text_delta","text":"a"}}',
      '0,"delta":{"type":"text_delta","text":""}}',
      '0,"delta":{"type":"text_delta","text":"a","x":1}}',
      '0,"delta":{"type":"text_delta","text":"a"},"x":1}',
      '0,"delta":{"type":"thinking_delta","thinking":"a"}}',
      '1234567890,"delta":{"type":"text_delta","text":"a"}}',
    ]) {
      expect(sniffAnthropicDelta(A(rest), 0)).toBeUndefined();
    }
    // Not the end of an event.
    expect(sniffAnthropicDelta(A('0,"delta":{"type":"text_delta","text":"a"}}').slice(0, -1), 0)).toBeUndefined();
  });

  const HEAD = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt",';
  test("OpenAI: content chunks with each tail servers send, only with the learned head", () => {
    for (const tail of [
      ',"logprobs":null,"finish_reason":null}]}',
      ',"finish_reason":null}]}',
      ',"logprobs":null,"finish_reason":null}],"usage":null}',
      ',"logprobs":null,"finish_reason":null}],"obfuscation":"ZGF"}',
      ',"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"lRK2aBv"}',
    ]) {
      const data = `${HEAD}"choices":[{"index":0,"delta":{"content":"Hi"}${tail}`;
      expect(contentChunkHead(data)).toBe(HEAD.length);
      const s = `data: ${data}\n\n`;
      expect(sniffContentChunk(s, 0, HEAD, 3)).toEqual({ kind: "text", index: 3, literalStart: s.indexOf('"Hi"'), literalEnd: s.indexOf('"Hi"') + 4, next: s.length });
      expect(sniffContentChunk(s, 0, HEAD.replace("gpt", "gpu"), 3)).toBeUndefined();
    }
    for (const rest of [
      '"choices":[{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop"}]}',
      '"choices":[{"index":0,"delta":{"content":"a","refusal":null},"logprobs":null,"finish_reason":null}]}',
      '"choices":[{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"usage":{"prompt_tokens":1}}',
      '"choices":[{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"obfuscation":"a\\"b"}',
      '"choices":[{"index":0,"delta":{"content":"a\\nb"},"logprobs":null,"finish_reason":null}]}',
      '"choices":[{"index":0,"delta":{"content":null},"logprobs":null,"finish_reason":null}]}',
    ]) {
      expect(contentChunkHead(HEAD + rest)).toBeUndefined();
      expect(sniffContentChunk(`data: ${HEAD}${rest}\n\n`, 0, HEAD, 0)).toBeUndefined();
    }
    // A head that names usage or error is never learned.
    expect(contentChunkHead(`{"usage":null,"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}`)).toBeUndefined();
  });
});
