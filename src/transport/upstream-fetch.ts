import { GatewayError } from "../errors.ts";

/** A fetch-shaped function: the real one, or the mock provider's, or a test's. */
export type FetchFn = (input: Request | string, init?: RequestInit & { proxy?: string }) => Promise<Response>;

export interface UpstreamTimeouts {
  /**
   * ms until response headers. This also bounds connecting: Bun's fetch exposes no connect event (nor a
   * socket), so a separate connect deadline cannot be enforced; `proxy.connect_timeout` is therefore not
   * applied on its own, and a host that never accepts is given up after this first-byte deadline.
   */
  firstByte: number;
  /** ms without a body chunk while streaming. */
  streamIdle: number;
  /** ms for the whole exchange, body included. */
  total: number;
}

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborts when the client goes away. */
  clientSignal: AbortSignal;
  timeouts: UpstreamTimeouts;
  proxy?: string;
}

export interface UpstreamExchange {
  response: Response;
  /** The body as a stream that enforces the idle and total timeouts and aborts the upstream when cancelled. */
  body: ReadableStream<Uint8Array> | null;
  /** Aborts the upstream request (client gone, or the gateway gave up). */
  abort(reason?: unknown): void;
  /** Ms from the call until headers arrived. */
  ttfbMs: number;
}

/**
 * One upstream HTTP exchange with the gateway's deadlines. Failures before headers become GatewayErrors
 * (504 timeout, 502 connection failure, 499-ish client abort) so failover can tell them apart.
 */
export async function callUpstream(fetchFn: FetchFn, call: UpstreamCall): Promise<UpstreamExchange> {
  const controller = new AbortController();
  const started = performance.now();
  const fail = (kind: "first byte" | "stream idle" | "total") => {
    controller.abort(new GatewayError(504, "timeout", `upstream ${kind} timeout`));
  };
  const onClientAbort = () => controller.abort(new GatewayError(499, "invalid_request", "client closed the request"));
  if (call.clientSignal.aborted) onClientAbort();
  else call.clientSignal.addEventListener("abort", onClientAbort, { once: true });

  const totalTimer = setTimeout(() => fail("total"), call.timeouts.total);
  const firstByteTimer = setTimeout(() => fail("first byte"), Math.min(call.timeouts.firstByte, call.timeouts.total));
  const cleanup = () => {
    clearTimeout(totalTimer);
    clearTimeout(firstByteTimer);
    call.clientSignal.removeEventListener("abort", onClientAbort);
  };

  let response: Response;
  try {
    response = await fetchFn(call.url, {
      method: "POST",
      headers: call.headers,
      body: call.body,
      signal: controller.signal,
      proxy: call.proxy,
      // Bun: keep the pooled connection; decompression handled by fetch.
    });
  } catch (e) {
    cleanup();
    const reason = controller.signal.reason;
    if (reason instanceof GatewayError) throw reason;
    throw new GatewayError(502, "upstream_error", `upstream connection failed: ${describeNetworkError(e)}`, {
      retryable: true,
      cause: e,
    });
  }
  clearTimeout(firstByteTimer);
  const ttfbMs = performance.now() - started;

  const source = response.body;
  if (!source) {
    cleanup();
    return { response, body: null, abort: (r) => controller.abort(r), ttfbMs };
  }

  const reader = source.getReader();
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => fail("stream idle"), call.timeouts.streamIdle);
  };
  const finish = () => {
    clearTimeout(idleTimer);
    cleanup();
  };
  const body = new ReadableStream<Uint8Array>({
    start: armIdle,
    async pull(out) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          finish();
          out.close();
          return;
        }
        armIdle();
        out.enqueue(value);
      } catch (e) {
        finish();
        const reason = controller.signal.reason;
        out.error(reason instanceof GatewayError ? reason : new GatewayError(502, "upstream_error", `upstream stream failed: ${describeNetworkError(e)}`, { cause: e }));
      }
    },
    cancel(reason) {
      finish();
      controller.abort(reason);
      reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
  return { response, body, abort: (r) => { finish(); controller.abort(r); }, ttfbMs };
}

/** Network error text without URLs' credentials or bodies. */
function describeNetworkError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    return code ? `${code}` : e.name === "Error" ? e.message.slice(0, 120) : e.name;
  }
  return "unknown error";
}
