import { describe, expect, test } from "bun:test";
import { rng, type Rng } from "../../test/support/rng.ts";
import type { StreamEnd } from "./stream-bodies.ts";
import { passthroughStream } from "./stream-bodies.ts";
import { readUntilFirstEvent } from "./first-event.ts";
import { asksUsageFor, clientAsksUsage, createUsageChunkDropper, isUsageOnlyChunk, withoutUsageChunk, withUsageAsked } from "./stream-usage.ts";

describe("asking the upstream for usage", () => {
  const body = (json: Record<string, unknown>) => ({ text: JSON.stringify(json), json });

  test("only OpenAI Chat and Completions, only when the client did not ask, never for an account that opts out", () => {
    const plain = { model: "m", stream: true };
    expect(asksUsageFor("openai-chat", {}, plain)).toBe(true);
    expect(asksUsageFor("openai-completions", {}, plain)).toBe(true);
    expect(asksUsageFor("openai-chat", { stream_usage: true }, plain)).toBe(true);
    expect(asksUsageFor("openai-chat", { stream_usage: false }, plain)).toBe(false);
    for (const d of ["anthropic-messages", "gemini", "openai-responses"] as const) expect(asksUsageFor(d, {}, plain)).toBe(false);
    expect(asksUsageFor("openai-chat", {}, { ...plain, stream_options: { include_usage: true } })).toBe(false);
    expect(asksUsageFor("openai-chat", {}, { ...plain, stream_options: { include_usage: false } })).toBe(true);
    expect(asksUsageFor("openai-chat", {}, { ...plain, stream_options: null })).toBe(true);
    expect(asksUsageFor("openai-chat", {}, { ...plain, stream_options: {} })).toBe(true);
    // Not a valid field: the upstream answers the client's own mistake.
    expect(asksUsageFor("openai-chat", {}, { ...plain, stream_options: "yes" })).toBe(false);
    expect(clientAsksUsage({ stream_options: { include_usage: true } })).toBe(true);
    expect(clientAsksUsage({ stream_options: null })).toBe(false);
  });

  test("no stream_options: spliced into the client's own text, which stays as sent", () => {
    const text = ' \n{ "model" : "gpt-4o",\n  "stream": true, "messages": [{"role":"user","content":"stream_options {"}] }';
    const out = withUsageAsked(text, JSON.parse(text));
    expect(out).toBe(' \n{"stream_options":{"include_usage":true}, "model" : "gpt-4o",\n  "stream": true, "messages": [{"role":"user","content":"stream_options {"}] }');
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(text), stream_options: { include_usage: true } });
  });

  test("the client's stream_options are merged (null, other keys, include_usage false); a routed model is set in the same pass", () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [null, { include_usage: true }],
      [{}, { include_usage: true }],
      [{ include_usage: false }, { include_usage: true }],
      [{ include_obfuscation: false }, { include_obfuscation: false, include_usage: true }],
    ];
    for (const [so, merged] of cases) {
      const b = body({ model: "fast", stream: true, stream_options: so, messages: [] });
      expect(JSON.parse(withUsageAsked(b.text, b.json))).toEqual({ ...b.json, stream_options: merged });
      expect(JSON.parse(withUsageAsked(b.text, b.json, "gpt-4o"))).toEqual({ ...b.json, model: "gpt-4o", stream_options: merged });
    }
    const b = body({ model: "fast", stream: true });
    expect(JSON.parse(withUsageAsked(b.text, b.json, "gpt-4o"))).toEqual({ model: "gpt-4o", stream: true, stream_options: { include_usage: true } });
  });
});

describe("the usage-only chunk", () => {
  test("recognised with or without spaces, in any key order; never a chunk with choices, or with no usage object", () => {
    expect(isUsageOnlyChunk('{"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}')).toBe(true);
    expect(isUsageOnlyChunk('{"id": "c", "choices": [ ], "usage": {"prompt_tokens": 1}}')).toBe(true);
    expect(isUsageOnlyChunk('{"usage":{"prompt_tokens":1},"choices":[]}')).toBe(true);
    expect(isUsageOnlyChunk('{"choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1}}')).toBe(false);
    // Azure's first chunk: empty choices with the prompt's content-filter results, no usage.
    expect(isUsageOnlyChunk('{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}')).toBe(false);
    expect(isUsageOnlyChunk('{"choices":[],"usage":null}')).toBe(false);
    expect(isUsageOnlyChunk('{"choices":[{"delta":{"content":"\\"choices\\":[]"}}],"usage":null}')).toBe(false);
    expect(isUsageOnlyChunk("[DONE]")).toBe(false);
  });
});

/** A random OpenAI Chat stream as its events' text (LF framing), with the usage chunk's index when there is one. */
function randomStream(r: Rng, withUsage: boolean): { events: string[]; usageAt: number; usage: Record<string, number> } {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
  const data = (o: object) => `data: ${JSON.stringify({ ...base, ...o })}\n\n`;
  const words = ["Hello", " wörld", " 日本語", " 🎉", ' "choices":[]', " [] {}", "\n\n", " data: x", "\r\n", " usage"];
  const events: string[] = [];
  // Azure opens with an empty-choices chunk of its own: never dropped.
  if (r() < 0.3) events.push(data({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] }));
  events.push(data({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }], usage: null }));
  const n = 1 + Math.floor(r() * 12);
  for (let i = 0; i < n; i++) {
    if (r() < 0.1) events.push(": keep-alive\n\n");
    events.push(data({ choices: [{ index: 0, delta: { content: pick(words) }, finish_reason: null }], usage: null }));
  }
  events.push(data({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null }));
  const usage = { prompt_tokens: 1 + Math.floor(r() * 1000), completion_tokens: n, total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  let usageAt = -1;
  if (withUsage) {
    usageAt = events.length;
    const style = r();
    if (style < 0.5) events.push(data({ choices: [], usage }));
    // Python's json.dumps spacing, as some OpenAI-compatible servers send it; or usage before choices.
    else if (style < 0.75) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage }).replaceAll('":', '": ').replaceAll(',"', ', "')}\n\n`);
    else events.push(data({ usage, choices: [] }));
  }
  events.push("data: [DONE]\n\n");
  return { events, usageAt, usage };
}

/** `bytes` cut at random places: sometimes every byte, sometimes a few large pieces. */
function randomSplits(r: Rng, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const mode = r();
  for (let i = 0; i < bytes.length; ) {
    const size = mode < 0.1 ? 1 : mode < 0.6 ? 1 + Math.floor(r() * 40) : 1 + Math.floor(r() * 400);
    out.push(bytes.slice(i, i + size));
    i += size;
  }
  return out;
}

const enc = new TextEncoder();
const framed = (text: string, crlf: boolean) => enc.encode(crlf ? text.replaceAll("\n", "\r\n") : text);

describe("dropping the usage chunk from a passthrough stream's bytes", () => {
  test("property: whatever the reads, LF or CRLF, exactly the usage event is left out and every other byte kept", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const withUsage = r() < 0.8;
      const crlf = r() < 0.5;
      const { events, usageAt } = randomStream(r, withUsage);
      const input = framed(events.join(""), crlf);
      const expected = framed(events.filter((_, i) => i !== usageAt).join(""), crlf);
      const dropper = createUsageChunkDropper();
      const out: Uint8Array[] = [];
      const reads = randomSplits(r, input);
      const copies = reads.map((c) => c.slice());
      for (const c of reads) dropper.push(c, (b) => out.push(b));
      const rest = dropper.end();
      if (rest) out.push(rest);
      const got = Buffer.concat(out);
      if (!got.equals(Buffer.from(expected))) throw new Error(`seed ${seed}: ${JSON.stringify(got.toString())} != ${JSON.stringify(Buffer.from(expected).toString())}`);
      expect(out.every((b) => b.length > 0)).toBe(true);
      // The reads themselves are left as they came: the stream's tail reads its usage from them.
      expect(reads).toEqual(copies);
      // The same stream in one piece, cut in place.
      const whole = withoutUsageChunk(input.slice());
      if (!Buffer.from(whole).equals(Buffer.from(expected))) throw new Error(`seed ${seed} whole: ${JSON.stringify(Buffer.from(whole).toString())}`);
    }
  });

  test("a usage event in another shape (a comment line in it, its data over two lines) is found through the SSE parser", () => {
    const content = 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n';
    for (const usage of [': ping\ndata: {"choices":[],"usage":{"prompt_tokens":1}}\n\n', 'data: {"choices":[],\ndata: "usage":{"prompt_tokens":1}}\n\n']) {
      for (const crlf of [false, true]) {
        const out: Uint8Array[] = [];
        createUsageChunkDropper().push(framed(content + usage + "data: [DONE]\n\n", crlf), (b) => out.push(b));
        expect(Buffer.concat(out).toString()).toBe(Buffer.from(framed(content + "data: [DONE]\n\n", crlf)).toString());
      }
    }
  });

  test("a stream cut inside an event: the kept-back bytes come out at the end as they came", () => {
    const text = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[],"usa';
    const dropper = createUsageChunkDropper();
    const out: Uint8Array[] = [];
    dropper.push(enc.encode(text), (b) => out.push(b));
    expect(Buffer.concat(out).toString()).toBe('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    expect(Buffer.from(dropper.end()!).toString()).toBe('data: {"choices":[],"usa');
  });

  test("an unfinished event longer than any usage chunk is not kept back", () => {
    const dropper = createUsageChunkDropper();
    const long = `data: {"choices":[{"delta":{"content":"${"x".repeat(20_000)}`;
    const out: Uint8Array[] = [];
    dropper.push(enc.encode(`data: {"choices":[]}\n\n${long}`), (b) => out.push(b));
    expect(Buffer.concat(out).length).toBe(long.length + 22);
    expect(dropper.end()).toBeUndefined();
  });
});

describe("passthroughStream with the usage chunk dropped", () => {
  /** Through readUntilFirstEvent, as the proxy does: the first reads are the head, the rest streamed. */
  async function run(reads: Uint8Array[], drop = true, rewriteModel?: { upstream: string; client: string }) {
    const queue = [...reads];
    const started = await readUntilFirstEvent({ read: async () => queue.shift(), close() {} });
    const ends: StreamEnd[] = [];
    const body = passthroughStream(started, { dialect: "openai-chat", dropUsageChunk: drop, rewriteModel, errorEvent: (e) => `data: {"error":${JSON.stringify(e.message)}}\n\n`, onEnd: (e) => ends.push(e) });
    const bytes = Buffer.from(await new Response(body).arrayBuffer());
    return { bytes, end: ends[0]! };
  }

  test("property: the client's bytes lack only the usage event, and the usage is still read from it (streamed or whole)", async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(1000 + seed);
      const crlf = r() < 0.5;
      const { events, usageAt, usage } = randomStream(r, true);
      const input = framed(events.join(""), crlf);
      const expected = Buffer.from(framed(events.filter((_, i) => i !== usageAt).join(""), crlf));
      const reads = r() < 0.2 ? [input] : randomSplits(r, input);
      const { bytes, end } = await run(reads);
      if (!bytes.equals(expected)) throw new Error(`seed ${seed}: ${JSON.stringify(bytes.toString())}`);
      expect(end.completed).toBe(true);
      expect(end.usage).toMatchObject({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens });
    }
  });

  test("property: a renamed model (events re-serialised): the usage event left out, its usage read even in separate reads", async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = rng(2000 + seed);
      const { events, usageAt, usage } = randomStream(r, true);
      const expected = events
        .filter((e, i) => i !== usageAt && !e.startsWith(":"))
        .map((e) => e.replace('"model":"gpt-4o"', '"model":"fast"'))
        .join("");
      const { bytes, end } = await run(randomSplits(r, framed(events.join(""), r() < 0.5)), true, { upstream: "gpt-4o", client: "fast" });
      if (bytes.toString() !== expected) throw new Error(`seed ${seed}: ${JSON.stringify(bytes.toString())}`);
      expect(end).toMatchObject({ completed: true, usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } });
    }
  });

  test("without dropUsageChunk the bytes are the upstream's, usage chunk included", async () => {
    const { events } = randomStream(rng(7), true);
    const input = enc.encode(events.join(""));
    const { bytes, end } = await run(randomSplits(rng(8), input), false);
    expect(bytes.equals(Buffer.from(input))).toBe(true);
    expect(end.usage).toBeDefined();
  });
});
