import { GatewayError } from "../errors.ts";

/** A fetch-shaped function: the real one, or the mock provider's, or a test's. */
export type FetchFn = (input: Request | string | URL, init?: RequestInit & { proxy?: string }) => Promise<Response>;

export interface UpstreamTimeouts {
  /**
   * ms until response headers. This also bounds connecting: Bun's fetch exposes no connect event (nor a
   * socket), so a separate connect deadline cannot be enforced; `proxy.connect_timeout` is therefore not
   * applied on its own, and a host that never accepts is given up after this first-byte deadline.
   */
  firstByte: number;
  /** ms a body read may wait for the upstream's next chunk. */
  streamIdle: number;
  /** ms for the whole exchange, body included. */
  total: number;
}

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  /** POSTed; undefined: a GET (the health probe's model list). */
  body: string | undefined;
  /**
   * The client's request: its `signal` aborts the exchange when the client goes away. It is read only once the
   * upstream has kept the exchange waiting for CLIENT_WATCH_DELAY_MS (see callUpstream).
   */
  client: { readonly signal: AbortSignal };
  timeouts: UpstreamTimeouts;
  proxy?: string;
}

export interface UpstreamExchange {
  response: Response;
  /** Ms from the call until headers arrived. */
  ttfbMs: number;
  /** The whole body as text (JSON answers, error bodies), within the total deadline; ends the exchange. */
  text(): Promise<string>;
  /**
   * The next body chunk, or undefined at the end (which ends the exchange). Each read may wait at most the
   * stream-idle deadline, and all of them together the total one; failures are GatewayErrors.
   */
  read(): Promise<Uint8Array | undefined>;
  /** Ends the exchange and clears its deadlines; with a reason, also aborts the upstream request. */
  close(reason?: unknown): void;
}

/**
 * How long an exchange runs before the client's abort signal is watched. Reading a server request's signal costs
 * about a microsecond (bench/README.md), and most exchanges are over sooner; a client that left before then is seen
 * at that moment (its signal reads aborted), so an abandoned generation is cancelled at most this much later.
 */
export const CLIENT_WATCH_DELAY_MS = 50;

/**
 * One upstream HTTP exchange with the gateway's deadlines. Failures before headers become GatewayErrors
 * (504 timeout, 502 connection failure, 499 client gone) so failover can tell them apart. One timer serves the
 * whole exchange: the total deadline and, before it, first the headers, then each body read, and the moment to
 * start watching the client; a body chunk costs no timer work at all (this runs for every chunk of every stream).
 */
export function callUpstream(fetchFn: FetchFn, call: UpstreamCall): Promise<UpstreamExchange> {
  // Not an async function on purpose: the closures below live as long as the exchange (a stream's whole length), and
  // closures made in an async function keep everything it holds across awaits. They must not hold `call`, whose body
  // (a coding agent's request: hundreds of KB) is needed only until it is sent.
  const { timeouts, client } = call;
  const controller = new AbortController();
  const started = performance.now();
  const totalAt = started + timeouts.total;
  const firstByteAt = started + Math.min(timeouts.firstByte, timeouts.total);
  const clientWatchAt = started + CLIENT_WATCH_DELAY_MS;
  let closed = false;
  let headersIn = false;
  const fail = (kind: "first byte" | "stream idle" | "total") => controller.abort(new GatewayError(504, "timeout", `upstream ${kind} timeout`));
  const onClientAbort = () => controller.abort(new GatewayError(499, "invalid_request", "client closed the request"));
  let clientSignal: AbortSignal | undefined;
  const watchClient = () => {
    clientSignal = client.signal;
    if (clientSignal.aborted) onClientAbort();
    else clientSignal.addEventListener("abort", onClientAbort, { once: true });
  };

  /** performance.now() when the pending body read began; 0 while no read waits. */
  let waitingSince = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (deadline: number) => {
    const at = clientSignal ? deadline : Math.min(deadline, clientWatchAt);
    timer = setTimeout(tick, Math.max(0, at - performance.now()));
  };
  // A timer may fire a fraction of a millisecond early: a deadline within 1 ms counts as reached.
  const tick = () => {
    const now = performance.now();
    if (!clientSignal && now >= clientWatchAt - 1) {
      watchClient();
      if (closed || controller.signal.aborted) return;
    }
    if (now >= totalAt - 1) return fail("total");
    if (!headersIn) return now >= firstByteAt - 1 ? fail("first byte") : arm(firstByteAt);
    const waited = waitingSince ? now - waitingSince : 0;
    if (waited >= timeouts.streamIdle) return fail("stream idle");
    arm(Math.min(now + timeouts.streamIdle - waited, totalAt));
  };
  arm(firstByteAt);
  const close = (reason?: unknown) => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clientSignal?.removeEventListener("abort", onClientAbort);
    if (reason !== undefined) controller.abort(reason);
  };
  const failure = (e: unknown, what: string) => {
    const reason = controller.signal.reason;
    close();
    return reason instanceof GatewayError
      ? reason
      : new GatewayError(502, "upstream_error", `${what}: ${describeNetworkError(e)}`, { retryable: true, cause: e });
  };

  let pending: Promise<Response>;
  try {
    pending = fetchFn(call.url, { method: call.body === undefined ? "GET" : "POST", headers: call.headers, body: call.body, signal: controller.signal, proxy: call.proxy });
  } catch (e) {
    return Promise.reject(failure(e, "upstream connection failed"));
  }
  return opened(pending);

  /** The exchange once the headers arrive (the one async part; it holds nothing of `call`). */
  async function opened(answer: Promise<Response>): Promise<UpstreamExchange> {
    let response: Response;
    try {
      response = await answer;
    } catch (e) {
      throw failure(e, "upstream connection failed");
    }
    clearTimeout(timer);
    const ttfbMs = performance.now() - started;
    if (closed) throw failure(undefined, "upstream call aborted");
    headersIn = true;
    arm(Math.min(performance.now() + timeouts.streamIdle, totalAt));

    // Made on the first read only: nothing else may lock the body meanwhile.
    let reader: ReturnType<typeof bodyReader>;
    const read = async (): Promise<Uint8Array | undefined> => {
      reader ??= bodyReader(response);
      if (!reader || closed) return undefined;
      waitingSince = performance.now();
      try {
        const r = await reader.read();
        waitingSince = 0;
        if (r.done) {
          close();
          return undefined;
        }
        return r.value;
      } catch (e) {
        waitingSince = 0;
        throw failure(e, "upstream stream failed");
      }
    };
    return {
      response,
      ttfbMs,
      read,
      async text() {
        // A body of known length is sent whole at once (the answer was generated before its headers): read
        // natively, no stream object in JavaScript, within one idle deadline. Without a length it may be a
        // generation kept alive by whitespace (some OpenAI-compatible servers do): read chunk by chunk so each
        // chunk renews the idle deadline, as a stream's would.
        if (!reader && response.headers.has("content-length")) {
          if (closed) return "";
          waitingSince = performance.now();
          try {
            return await response.text();
          } catch (e) {
            throw failure(e, "upstream body failed");
          } finally {
            waitingSince = 0;
            close();
          }
        }
        const chunks: Uint8Array[] = [];
        for (let c = await read(); c; c = await read()) chunks.push(c);
        return chunks.length === 1 ? decoder.decode(chunks[0]) : decoder.decode(Buffer.concat(chunks));
      },
      close(reason) {
        const open = !closed;
        close(reason);
        if (open && reason !== undefined) reader?.cancel(reason).catch(() => {});
      },
    };
  }
}

const bodyReader = (r: Response) => r.body?.getReader();
const decoder = new TextDecoder();

/** Network error text without URLs' credentials or bodies. */
function describeNetworkError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    return code ? `${code}` : e.name === "Error" ? e.message.slice(0, 120) : e.name;
  }
  return "unknown error";
}
