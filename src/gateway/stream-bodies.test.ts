import { expect, test } from "bun:test";
import { GatewayError } from "../errors.ts";
import { createSseParser } from "../transport/sse-parser.ts";
import { convertedStream, type StreamEnd } from "./stream-bodies.ts";

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
