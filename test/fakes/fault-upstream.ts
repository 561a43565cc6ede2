import type { Socket, TCPSocketListener } from "bun";

/**
 * A fake LLM upstream that misbehaves on demand, over a real socket, for failover and resilience tests.
 * It speaks just enough HTTP/1.1 by hand (Bun.listen raw TCP) to do what Bun.serve cannot: reset a
 * connection (SO_LINGER 0, a real RST) before or after the headers, stall forever, or cut a body short.
 * Success answers follow the wire formats of OpenAI chat (`…/chat/completions`) and Anthropic
 * (`…/messages`), JSON and SSE; `GET …/models` answers a model list (a cheap probe target).
 * Every response carries `connection: close`, so one connection is one request and closes are countable.
 * Nothing here uses a timer: a hang lasts until the client goes away or stop() is called.
 */
export type FaultMode =
  | "ok"
  | "400"
  | "429"
  | "529"
  | "500"
  | "503"
  | "hang-before-headers"
  | "hang-mid-stream"
  | "reset-before-headers"
  | "reset-mid-stream"
  | "malformed-json"
  | "malformed-sse"
  | "cut-stream";

export interface FaultStep {
  mode: FaultMode;
  /** `retry-after` for 429/529/503 (429 defaults to "1", null sends none; the others send none unless given). */
  retryAfter?: string | null;
  /** Extra response headers (e.g. `anthropic-ratelimit-tokens-reset`). */
  headers?: Record<string, string>;
  /** Assistant text for success answers (default "Hello from the fault upstream."). */
  text?: string;
}

export type Dialect = "openai-chat" | "anthropic-messages" | "models" | "unknown";

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
  dialect: Dialect;
  stream: boolean;
  /** The mode this request was answered with. */
  mode: FaultMode;
}

export interface FaultUpstream {
  url: string;
  port: number;
  /** Mode for every request not covered by the script. */
  setMode(mode: FaultMode | FaultStep): void;
  /** Queue modes for the next requests, one each, before falling back to setMode's. */
  script(...steps: (FaultMode | FaultStep)[]): void;
  requests: RecordedRequest[];
  readonly connectionsOpened: number;
  readonly connectionsClosed: number;
  readonly openConnections: number;
  /** Resolves once at least `n` requests were received (whole request read). */
  waitForRequests(n: number): Promise<void>;
  /** Resolves once at least `n` connections have closed (either side). */
  waitForClosed(n: number): Promise<void>;
  /** Closes every connection (releasing hangs) and the listener. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Conn {
  input: Uint8Array;
  /** Bytes not yet accepted by the kernel (backpressure). */
  pending: Uint8Array[];
  /** What to do once everything pending is written: a graceful FIN, or an RST. */
  after?: "end" | "reset";
  handled: boolean;
  closed: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF2 = encoder.encode("\r\n\r\n");

export async function startFaultUpstream(initial: FaultMode | FaultStep = "ok"): Promise<FaultUpstream> {
  let defaultStep = toStep(initial);
  const queue: FaultStep[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket<Conn>>();
  let opened = 0;
  let closed = 0;
  const waiters: { done: () => boolean; resolve: () => void }[] = [];
  const wake = () => {
    for (const w of [...waiters]) {
      if (w.done()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const waitFor = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      if (done()) resolve();
      else waiters.push({ done, resolve });
    });

  const flush = (s: Socket<Conn>) => {
    const c = s.data;
    while (c.pending.length) {
      const chunk = c.pending[0];
      const n = s.write(chunk);
      if (n < 0) return;
      if (n < chunk.length) {
        c.pending[0] = chunk.subarray(n);
        return;
      }
      c.pending.shift();
    }
    if (c.after === "end") s.end();
    else if (c.after === "reset") reset(s);
  };
  /** SO_LINGER 0 close: the peer gets an RST, not a FIN. */
  const reset = (s: Socket<Conn>) => {
    if (s.data.closed) return;
    s.data.closed = true;
    sockets.delete(s);
    closed++;
    s.terminate();
    wake();
  };
  const write = (s: Socket<Conn>, data: string | Uint8Array) => {
    if (s.data.closed) return;
    s.data.pending.push(typeof data === "string" ? encoder.encode(data) : data);
    flush(s);
  };
  const endAfter = (s: Socket<Conn>, how: "end" | "reset" = "end") => {
    s.data.after = how;
    flush(s);
  };

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    data: undefined as unknown as Conn,
    socket: {
      open(s) {
        s.data = { input: new Uint8Array(0), pending: [], handled: false, closed: false };
        sockets.add(s);
        opened++;
      },
      data(s, chunk) {
        const c = s.data;
        if (c.handled) return; // one request per connection; anything after it is ignored
        c.input = concat(c.input, chunk);
        const req = parseRequest(c.input);
        if (!req) return;
        c.handled = true;
        const step = queue.shift() ?? defaultStep;
        const dialect = dialectOf(req.method, req.path);
        const body = parseBody(req.body);
        const stream = typeof body === "object" && body !== null && (body as { stream?: unknown }).stream === true;
        requests.push({ method: req.method, path: req.path, headers: req.headers, body, dialect, stream, mode: step.mode });
        wake();
        respond(s, step, dialect, body, stream);
      },
      drain(s) {
        flush(s);
      },
      close(s) {
        if (s.data.closed) return;
        s.data.closed = true;
        sockets.delete(s);
        closed++;
        wake();
      },
      error() {
        // A reset from the client side: the close handler does the bookkeeping.
      },
    },
  });

  function respond(s: Socket<Conn>, step: FaultStep, dialect: Dialect, body: unknown, stream: boolean): void {
    const model = (typeof body === "object" && body !== null && typeof (body as { model?: unknown }).model === "string"
      ? (body as { model: string }).model
      : "fault-model");
    const text = step.text ?? "Hello from the fault upstream.";
    const extra = step.headers ?? {};
    const head = (status: number, reason: string, headers: Record<string, string>) =>
      `HTTP/1.1 ${status} ${reason}\r\n` +
      Object.entries({ ...headers, ...extra, connection: "close" })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("") +
      "\r\n";
    const sendJson = (status: number, reason: string, value: unknown, headers: Record<string, string> = {}) => {
      const bytes = encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
      write(s, head(status, reason, { "content-type": "application/json", "content-length": String(bytes.length), ...headers }));
      write(s, bytes);
      endAfter(s);
    };
    const startSse = () => write(s, head(200, "OK", { "content-type": "text/event-stream", "cache-control": "no-cache", "transfer-encoding": "chunked" }));
    const chunk = (data: string) => {
      const bytes = encoder.encode(data);
      write(s, `${bytes.length.toString(16)}\r\n`);
      write(s, bytes);
      write(s, "\r\n");
    };
    const endChunks = () => {
      write(s, "0\r\n\r\n");
      endAfter(s);
    };
    const events = sseEvents(dialect, model, text);
    const error = (status: number, type: string, message: string) =>
      dialect === "anthropic-messages"
        ? { type: "error", error: { type, message } }
        : { error: { message, type, param: null, code: null } };

    if (dialect === "unknown") return sendJson(404, "Not Found", error(404, "not_found_error", "no such endpoint"));

    switch (step.mode) {
      case "ok":
        if (dialect === "models") return sendJson(200, "OK", { object: "list", data: [{ id: "fault-model", object: "model" }] });
        if (!stream) return sendJson(200, "OK", jsonAnswer(dialect, model, text));
        startSse();
        for (const e of events.all) chunk(e);
        return endChunks();
      case "400":
        return sendJson(400, "Bad Request", error(400, "invalid_request_error", "the fault upstream rejects this request"));
      case "429":
        return sendJson(429, "Too Many Requests", error(429, "rate_limit_error", "rate limited by the fault upstream"),
          step.retryAfter === null ? {} : { "retry-after": step.retryAfter ?? "1" });
      case "529":
        return sendJson(529, "Overloaded", error(529, "overloaded_error", "Overloaded"), retryAfterHeader(step));
      case "500":
        return sendJson(500, "Internal Server Error", error(500, "api_error", "internal error in the fault upstream"));
      case "503":
        return sendJson(503, "Service Unavailable", error(503, "overloaded_error", "service unavailable"), retryAfterHeader(step));
      case "hang-before-headers":
        return;
      case "reset-before-headers":
        return reset(s);
      case "hang-mid-stream":
      case "reset-mid-stream": {
        if (stream) {
          startSse();
          chunk(events.all[0]);
        } else {
          const bytes = encoder.encode(JSON.stringify(jsonAnswer(dialect, model, text)));
          write(s, head(200, "OK", { "content-type": "application/json", "content-length": String(bytes.length) }));
          write(s, bytes.subarray(0, Math.floor(bytes.length / 2)));
        }
        // The partial bytes are handed to the kernel before the RST.
        if (step.mode === "reset-mid-stream") endAfter(s, "reset");
        return;
      }
      case "malformed-json":
        return sendJson(200, "OK", '{"id":"broken","choices":[{"message":{"content":"unterminated');
      case "malformed-sse":
        startSse();
        chunk(dialect === "anthropic-messages" ? "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{oops\n\n" : "data: {\"id\":\"chatcmpl-x\",\"choices\":[{oops\n\n");
        return endChunks();
      case "cut-stream":
        startSse();
        for (const e of events.withoutTerminator) chunk(e);
        return endChunks();
    }
  }

  const url = `http://127.0.0.1:${listener.port}`;
  const stop = async () => {
    for (const s of [...sockets]) reset(s);
    listener.stop(true);
  };

  return {
    url,
    port: listener.port,
    setMode(mode) {
      defaultStep = toStep(mode);
    },
    script(...steps) {
      queue.push(...steps.map(toStep));
    },
    requests,
    get connectionsOpened() {
      return opened;
    },
    get connectionsClosed() {
      return closed;
    },
    get openConnections() {
      return sockets.size;
    },
    waitForRequests: (n) => waitFor(() => requests.length >= n),
    waitForClosed: (n) => waitFor(() => closed >= n),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function toStep(mode: FaultMode | FaultStep): FaultStep {
  return typeof mode === "string" ? { mode } : mode;
}

function retryAfterHeader(step: FaultStep): Record<string, string> {
  return step.retryAfter == null ? {} : { "retry-after": step.retryAfter };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A whole request (head and Content-Length body), or undefined while more bytes are needed. */
function parseRequest(buf: Uint8Array): { method: string; path: string; headers: Record<string, string>; body: string } | undefined {
  const end = indexOf(buf, CRLF2);
  if (end < 0) return undefined;
  const lines = decoder.decode(buf.subarray(0, end)).split("\r\n");
  const [method = "", path = ""] = lines[0].split(" ");
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
    const body = decodeChunked(rest);
    return body === undefined ? undefined : { method, path, headers, body };
  }
  const length = Number(headers["content-length"] ?? 0);
  if (rest.length < length) return undefined;
  return { method, path, headers, body: decoder.decode(rest.subarray(0, length)) };
}

function decodeChunked(buf: Uint8Array): string | undefined {
  const parts: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = indexOf(buf.subarray(pos), encoder.encode("\r\n"));
    if (lineEnd < 0) return undefined;
    const size = parseInt(decoder.decode(buf.subarray(pos, pos + lineEnd)), 16);
    pos += lineEnd + 2;
    if (size === 0) return decoder.decode(concatAll(parts));
    if (buf.length < pos + size + 2) return undefined;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  return parts.reduce((a, b) => concat(a, b), new Uint8Array(0));
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function dialectOf(method: string, path: string): Dialect {
  const p = path.split("?")[0];
  if (method === "POST" && p.endsWith("/chat/completions")) return "openai-chat";
  if (method === "POST" && p.endsWith("/messages")) return "anthropic-messages";
  if (method === "GET" && p.endsWith("/models")) return "models";
  return "unknown";
}

function jsonAnswer(dialect: Dialect, model: string, text: string): unknown {
  if (dialect === "anthropic-messages") {
    return {
      id: "msg_fault_1",
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 7 },
    };
  }
  return {
    id: "chatcmpl-fault-1",
    object: "chat.completion",
    created: 1_770_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 },
  };
}

/** Success stream events (each a whole SSE event with its blank line), and the same without the ending. */
function sseEvents(dialect: Dialect, model: string, text: string): { all: string[]; withoutTerminator: string[] } {
  const words = text.split(/(?<= )/);
  if (dialect === "anthropic-messages") {
    const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    const body = [
      ev("message_start", {
        type: "message_start",
        message: { id: "msg_fault_1", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } },
      }),
      ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      ...words.map((w) => ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: w } })),
    ];
    const ending = [
      ev("content_block_stop", { type: "content_block_stop", index: 0 }),
      ev("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 7 } }),
      ev("message_stop", { type: "message_stop" }),
    ];
    return { all: [...body, ...ending], withoutTerminator: body };
  }
  const base = { id: "chatcmpl-fault-1", object: "chat.completion.chunk", created: 1_770_000_000, model };
  const data = (choices: unknown[]) => `data: ${JSON.stringify({ ...base, choices })}\n\n`;
  const body = [
    data([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
    ...words.map((w) => data([{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }])),
  ];
  const ending = [data([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]), "data: [DONE]\n\n"];
  return { all: [...body, ...ending], withoutTerminator: body };
}
