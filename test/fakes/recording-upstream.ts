/**
 * A fake LLM provider for cross-module tests: one Bun server on 127.0.0.1:0 that answers Anthropic
 * `POST /v1/messages` and OpenAI `POST /v1/chat/completions` (any path, in fact) from a queue of scripted
 * replies, and records every request it received (headers and parsed body) so tests can assert what the
 * gateway sent. It also notices when the peer (the gateway) closes a connection while a reply is still
 * open, which is how the disconnect tests prove that a client going away aborts the upstream request.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw body text, exactly as received. */
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: any;
}

export type ScriptedReply =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  | { status?: number; headers?: Record<string, string>; text: string }
  /**
   * An SSE body, sent one event at a time. `hang: true` keeps the stream open after the last event (until
   * the peer goes away); `cutAfter` sends only that many events and then ends the body without the rest.
   */
  | { status?: number; headers?: Record<string, string>; sse: string; hang?: boolean; cutAfter?: number }
  /** Never answers: the request stays pending until the peer goes away. */
  | { hangBeforeHeaders: true };

export interface RecordingUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The most recent request (throws when there is none, for readable test failures). */
  last(): RecordedRequest;
  /** Adds replies to the queue; each request takes the next one. */
  enqueue(...replies: ScriptedReply[]): void;
  /** Drops replies no request took (so one failed test cannot shift the next test's replies). */
  clearQueue(): void;
  /** Resolves once `n` requests in total have arrived. */
  waitForRequests(n: number): Promise<void>;
  /** Requests whose connection the peer closed while the reply was still pending or streaming. */
  readonly closedByPeer: number;
  /** Resolves once `closedByPeer` reaches `n` (default: one more than now). */
  waitForPeerClose(n?: number): Promise<void>;
  /** Requests whose reply body was fully sent. */
  readonly completed: number;
  stop(): Promise<void>;
}

/** Splits SSE text into its events (blank-line separated), keeping each event's trailing blank line. */
export function sseEvents(text: string): string[] {
  return text
    .replace(/\r\n/g, "\n")
    .split(/\n\n+/)
    .filter((e) => e.trim() !== "")
    .map((e) => `${e}\n\n`);
}

export function startRecordingUpstream(): RecordingUpstream {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  let closedByPeer = 0;
  let completed = 0;
  const closeWaiters: { n: number; resolve: () => void }[] = [];
  const requestWaiters: { n: number; resolve: () => void }[] = [];
  const encoder = new TextEncoder();

  const peerClosed = (flag: { closed: boolean }) => {
    if (flag.closed) return;
    flag.closed = true;
    closedByPeer++;
    for (const w of [...closeWaiters]) {
      if (closedByPeer >= w.n) {
        closeWaiters.splice(closeWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(request) {
      const url = new URL(request.url);
      const text = await request.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => (headers[k] = v));
      requests.push({ method: request.method, path: url.pathname + url.search, headers, text, body });
      for (const w of [...requestWaiters]) {
        if (requests.length >= w.n) {
          requestWaiters.splice(requestWaiters.indexOf(w), 1);
          w.resolve();
        }
      }

      const reply = queue.shift();
      if (!reply) {
        return Response.json(
          { error: { message: `recording upstream: no scripted reply for request #${requests.length}`, type: "test_error" } },
          { status: 599 },
        );
      }
      // One flag per request: the abort signal and the stream's cancel may both fire for one closed connection.
      const flag = { closed: false };
      const onAbort = () => peerClosed(flag);
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener("abort", onAbort, { once: true });

      if ("hangBeforeHeaders" in reply) {
        return new Promise<Response>((resolve) => {
          request.signal.addEventListener("abort", () => {
            peerClosed(flag);
            resolve(new Response(null, { status: 499 }));
          });
        });
      }
      const status = reply.status ?? 200;
      if ("json" in reply) {
        completed++;
        return Response.json(reply.json, { status, headers: reply.headers });
      }
      if ("text" in reply) {
        completed++;
        return new Response(reply.text, { status, headers: reply.headers });
      }
      const events = sseEvents(reply.sse);
      const send = reply.cutAfter === undefined ? events : events.slice(0, reply.cutAfter);
      let i = 0;
      const stream = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (i < send.length) {
              controller.enqueue(encoder.encode(send[i++]!));
              return;
            }
            if (reply.hang) {
              // Stay open until the peer goes away (cancel below, or the request's abort signal).
              return new Promise<void>((resolve) => {
                if (flag.closed) return resolve();
                request.signal.addEventListener("abort", () => resolve(), { once: true });
              });
            }
            completed++;
            controller.close();
          },
          cancel() {
            peerClosed(flag);
          },
        },
        { highWaterMark: 0 },
      );
      return new Response(stream, {
        status,
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...reply.headers },
      });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    requests,
    last() {
      const r = requests[requests.length - 1];
      if (!r) throw new Error("recording upstream received no request");
      return r;
    },
    enqueue: (...replies) => void queue.push(...replies),
    clearQueue: () => void queue.splice(0),
    waitForRequests(n) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve) => requestWaiters.push({ n, resolve }));
    },
    get closedByPeer() {
      return closedByPeer;
    },
    get completed() {
      return completed;
    },
    waitForPeerClose(n = closedByPeer + 1) {
      if (closedByPeer >= n) return Promise.resolve();
      return new Promise((resolve) => closeWaiters.push({ n, resolve }));
    },
    async stop() {
      await server.stop(true);
    },
  };
}
