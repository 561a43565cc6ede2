import { describe, expect, test } from "bun:test";
import { GatewayError } from "../errors.ts";
import { createSseParser } from "../transport/sse-parser.ts";
import { convertedStream, passthroughStream, type StreamEnd } from "./stream-bodies.ts";

test("a converter that throws on the first chunk ends the stream with the client's error event and releases the exchange", async () => {
  const ends: StreamEnd[] = [];
  let closedWith: unknown;
  const body = convertedStream(
    {
      head: [],
      events: [{ data: "{}" }],
      parser: createSseParser(),
      rest: new TextEncoder().encode('data: {"x":1}\n\n'),
      exchange: { read: async () => undefined, close: (reason?: unknown) => void (closedWith = reason) },
    },
    {
      errorEvent: (err) => `event: error\ndata: ${JSON.stringify({ message: err.message })}\n\n`,
      onEnd: (e) => ends.push(e),
      decoder: {
        push: () => {
          throw new Error("boom");
        },
        end: () => [],
      },
      encoder: { push: () => "" },
    },
  );
  expect(body).toBeInstanceOf(ReadableStream);
  const text = await new Response(body as ReadableStream<Uint8Array>).text();
  expect(text).toStartWith("event: error\n");
  expect(ends).toHaveLength(1);
  expect(ends[0]!.completed).toBe(false);
  expect(closedWith).toBeInstanceOf(GatewayError);
});

/** A started passthrough stream whose first read was `head` and whose later reads are `chunks`. */
function started(head: string, chunks: string[]) {
  const enc = new TextEncoder();
  const queue = chunks.map((c) => enc.encode(c));
  return {
    head: [enc.encode(head)],
    events: createSseParser().push(head),
    parser: createSseParser(),
    rest: new Uint8Array(),
    exchange: { read: async () => queue.shift(), close() {} },
  };
}

describe("Responses passthrough streams", () => {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const created = ev("response.created", { sequence_number: 0, response: { id: "resp_1", status: "in_progress", usage: null } });
  // A terminal event far longer than any fixed tail: the whole output and the request's settings come before the usage.
  const completed = ev("response.completed", {
    sequence_number: 3,
    response: { id: "resp_1", status: "completed", instructions: "i".repeat(5000), output: [{ type: "message", content: [{ type: "output_text", text: "t".repeat(3000) }] }], usage: { input_tokens: 7, input_tokens_details: { cached_tokens: 2 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 12 } },
  });
  const delta = (n: number) => ev("response.output_text.delta", { sequence_number: n, delta: "t" });

  const run = async (head: string, chunks: string[]) => {
    const ends: StreamEnd[] = [];
    const body = passthroughStream(started(head, chunks), { dialect: "openai-responses", errorEvent: (e) => `event: error\ndata: {"message":${JSON.stringify(e.message)}}\n\n`, onEnd: (e) => ends.push(e) });
    const text = await new Response(body as ReadableStream<Uint8Array>).text();
    return { text, end: ends[0]! };
  };

  test("a long terminal event split over many reads ends the stream complete, with its usage", async () => {
    const pieces = completed.match(/[\s\S]{1,700}/g)!;
    for (const chunks of [[delta(1), delta(2), ...pieces], [delta(1) + delta(2) + pieces[0], ...pieces.slice(1)], [delta(1) + delta(2) + completed]]) {
      const { text, end } = await run(created, chunks);
      expect(text).toBe(created + chunks.join(""));
      expect(end.completed).toBe(true);
      expect(end.usage).toEqual({ inputTokens: 7, outputTokens: 5, cacheReadTokens: 2, reasoningTokens: 1 });
    }
  });

  test("a whole answer in the first read, and servers that name no event or use CRLF", async () => {
    expect((await run(created + delta(1) + completed, [])).end).toMatchObject({ completed: true, usage: { inputTokens: 7 } });
    const unnamed = completed.replace(/^event: .*\n/, "");
    expect((await run(created, [delta(1), unnamed])).end.completed).toBe(true);
    const crlf = completed.replaceAll("\n", "\r\n");
    expect((await run(created, [delta(1).replaceAll("\n", "\r\n"), crlf.slice(0, 4000), crlf.slice(4000)])).end.completed).toBe(true);
  });

  test("a stream cut before its terminal event ends with the client's error event", async () => {
    const { text, end } = await run(created, [delta(1), completed.slice(0, 3000)]);
    expect(end.completed).toBe(false);
    expect(text).toEndWith('event: error\ndata: {"message":"upstream stream ended without its terminator"}\n\n');
  });
});
