import type { FetchFn } from "./upstream-fetch.ts";

/**
 * Bodies from this size on are handed to fetch as a stream. Below it the copy fetch keeps costs less than the stream.
 */
export const STREAM_BODY_FROM = 16 * 1024;

/**
 * The fetch the gateway uses for real upstreams. Bun's fetch keeps a string or byte body for the whole exchange, and
 * for a stream that is until its last event: a coding agent's requests are 50–200 KB, so 1,000 open streams held
 * ~100 MB of request bodies already sent (bench/README.md). A body handed over as a stream is let go as it is sent.
 * It still goes out with its content-length, not chunked: not every OpenAI-compatible server takes a chunked request.
 * The stream's chunks are pieces of the string itself (substrings, not copies), at most PIECE characters each: Bun
 * encodes each piece as it sends it, so a 30 MB body costs 1 MB of UTF-8 at a time instead of a second 30 MB
 * (bench/large-request.ts); encoding here first would make a second copy for the collector to find.
 * (A stream body cannot be sent twice, so a 307/308 redirect of such a request fails; LLM APIs do not redirect them.)
 */
export const PIECE = 1 << 20;
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

export function createNetworkFetch(base: FetchFn = fetch as FetchFn): FetchFn {
  return (input, init) => {
    const body = init?.body;
    if (typeof body !== "string" || body.length < STREAM_BODY_FROM) return base(input, init);
    const headers = new Headers(init!.headers);
    headers.set("content-length", String(Buffer.byteLength(body)));
    let rest: string | undefined = body;
    const stream = new ReadableStream({
      pull(controller) {
        const text = rest!;
        let end = Math.min(text.length, PIECE);
        // Never between the two halves of a surrogate pair: each piece is encoded on its own.
        if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
        controller.enqueue(end === text.length ? text : text.slice(0, end));
        rest = end === text.length ? undefined : text.slice(end);
        if (rest === undefined) controller.close();
      },
    });
    return base(input, { ...init, headers, body: stream });
  };
}
