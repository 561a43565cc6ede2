/**
 * A Bun-native, autocannon-style load generator.
 *
 * Engine `socket` (default) speaks HTTP/1.1 over raw keep-alive sockets (Bun.connect): the request bytes are built
 * once, responses are parsed with a small state machine (Content-Length or chunked), so the generator spends as
 * little CPU as possible on a machine it shares with the gateway and the upstream. Engine `fetch` runs N loops of
 * Bun's fetch (for comparison and as a fallback).
 *
 * Every response is read to its end. Streams: time to first body byte is recorded, `\n\n` event separators are
 * counted and the end of the body is checked for the dialect's terminator (a stream cut short is an error).
 *
 * Library: `runLoad(opts)` in this process, `runLoadInChild(opts)` in a child process (what the scenarios use).
 * CLI: `bun bench/load.ts --json '<LoadOptions>'` prints one LoadResult as JSON; or for a quick look
 * `bun bench/load.ts --url URL [--connections 64] [--duration 5] [--body JSON] [--header 'k: v'] [--stream]`.
 */

export interface LoadOptions {
  /** Full URL, path included. Only http:// is supported. */
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent keep-alive connections, each with one request in flight. */
  connections: number;
  /** Measure for this long (after warm-up)… */
  durationMs?: number;
  /** …or send exactly this many requests (no warm-up). */
  requests?: number;
  /** Traffic before measuring starts (duration mode). */
  warmupMs?: number;
  /** The answer is SSE: count events, record time to first byte. */
  stream?: boolean;
  /** Text the end of every body must contain (the stream terminator); a body without it is an error. */
  terminator?: string;
  engine?: "socket" | "fetch";
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
}

export interface Percentiles {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  engine: "socket" | "fetch";
  connections: number;
  /** Measured window, ms. */
  durationMs: number;
  /** Responses completed in the window (any status). */
  requests: number;
  /** Of which 2xx with a complete body. */
  ok: number;
  non2xx: number;
  /** Transport failures, timeouts, truncated streams. */
  errors: number;
  rps: number;
  /** Response body bytes in the window. */
  bytes: number;
  bytesPerSec: number;
  /** Milliseconds, request sent to last byte. */
  latency: Percentiles;
  /** Milliseconds, request sent to first body byte (streams). */
  ttfb?: Percentiles;
  /** Mean `\n\n`-separated events per response (streams). */
  eventsPerResponse?: number;
  /** A few error descriptions / non-2xx bodies for diagnosis. */
  samples: string[];
}

/** Growable Float64 sample list. */
class Samples {
  private a = new Float64Array(1 << 14);
  n = 0;
  push(v: number) {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  stats(): Percentiles {
    if (this.n === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const s = this.a.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i]!;
    const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return { min: r(s[0]!), mean: r(sum / s.length), p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(s[s.length - 1]!) };
  }
}

/** Shared bookkeeping of one run: which responses count (inside the measured window) and their figures. */
class Recorder {
  latency = new Samples();
  ttfb = new Samples();
  requests = 0;
  ok = 0;
  non2xx = 0;
  errors = 0;
  bytes = 0;
  events = 0;
  samples: string[] = [];
  issued = 0;
  firstAt = 0;
  lastAt = 0;
  constructor(
    readonly windowStart: number,
    readonly windowEnd: number,
    readonly maxRequests: number,
  ) {}
  /** May another request start now? */
  more(now: number): boolean {
    return this.maxRequests > 0 ? this.issued < this.maxRequests : now < this.windowEnd;
  }
  counts(start: number, end: number): boolean {
    return this.maxRequests > 0 || (start >= this.windowStart && end <= this.windowEnd);
  }
  sample(s: string) {
    if (this.samples.length < 5) this.samples.push(s.slice(0, 300));
  }
  done(start: number, end: number, status: number, bytes: number, ttfb: number, events: number, complete: boolean, bodyHint: () => string) {
    if (!this.counts(start, end)) return;
    if (this.requests === 0) this.firstAt = start;
    this.lastAt = end;
    this.requests++;
    this.bytes += bytes;
    this.events += events;
    this.latency.push(end - start);
    if (ttfb >= 0) this.ttfb.push(ttfb - start);
    if (status < 200 || status > 299) {
      this.non2xx++;
      this.sample(`HTTP ${status}: ${bodyHint()}`);
    } else if (!complete) {
      this.errors++;
      this.sample(`truncated body: ${bodyHint()}`);
    } else this.ok++;
  }
  fail(why: string) {
    this.errors++;
    this.sample(why);
  }
  result(engine: "socket" | "fetch", connections: number, stream: boolean): LoadResult {
    const durationMs =
      this.maxRequests > 0 ? Math.max(1e-3, this.lastAt - this.firstAt) : this.windowEnd - this.windowStart;
    const r: LoadResult = {
      engine,
      connections,
      durationMs: Math.round(durationMs),
      requests: this.requests,
      ok: this.ok,
      non2xx: this.non2xx,
      errors: this.errors,
      rps: Math.round((this.requests / durationMs) * 1000 * 10) / 10,
      bytes: this.bytes,
      bytesPerSec: Math.round((this.bytes / durationMs) * 1000),
      latency: this.latency.stats(),
      samples: this.samples,
    };
    if (stream) {
      r.ttfb = this.ttfb.stats();
      r.eventsPerResponse = this.requests ? Math.round((this.events / this.requests) * 10) / 10 : 0;
    }
    return r;
  }
}

const CRLF = 0x0a;
const TAIL = 128;

/** Counts `\n\n` in buf[from, to), with `prevNl` saying the previous byte (earlier segment) was `\n`. */
function countEvents(buf: Buffer, from: number, to: number, prevNl: boolean): number {
  let n = 0;
  if (prevNl && from < to && buf[from] === CRLF) n++;
  let i = buf.indexOf("\n\n", from);
  while (i !== -1 && i + 1 < to) {
    n++;
    i = buf.indexOf("\n\n", i + 2);
  }
  return n;
}

const enum Phase {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkCrlf,
  Trailer,
  UntilClose,
  Idle,
}

interface Conn {
  phase: Phase;
  socket: import("bun").Socket<Conn> | null;
  carry: Buffer | null;
  status: number;
  remaining: number;
  keepAlive: boolean;
  start: number;
  ttfb: number;
  bytes: number;
  events: number;
  prevNl: boolean;
  tail: Buffer;
  pendingWrite: Uint8Array | null;
}

/** Socket engine: one request in flight per connection, responses parsed incrementally. */
async function runSocket(opts: LoadOptions, rec: Recorder): Promise<void> {
  const u = new URL(opts.url);
  if (u.protocol !== "http:") throw new Error("socket engine: only http:// URLs");
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = Number(u.port || 80);
  const body = opts.body !== undefined ? Buffer.from(opts.body) : undefined;
  let head = `${opts.method ?? (body ? "POST" : "GET")} ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n`;
  for (const [k, v] of Object.entries(opts.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (body) head += `content-length: ${body.length}\r\n`;
  head += "\r\n";
  const reqBytes = body ? Buffer.concat([Buffer.from(head), body]) : Buffer.from(head);
  const terminator = opts.terminator ? Buffer.from(opts.terminator) : undefined;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const stream = opts.stream === true;

  let live = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  let consecutiveConnectErrors = 0;

  const fresh = (c: Conn) => {
    c.phase = Phase.Head;
    c.carry = null;
    c.status = 0;
    c.remaining = 0;
    c.keepAlive = true;
    c.ttfb = -1;
    c.bytes = 0;
    c.events = 0;
    c.prevNl = false;
    c.tail = Buffer.alloc(0);
  };

  const send = (c: Conn) => {
    const now = performance.now();
    if (!rec.more(now) || !c.socket) return retire(c);
    rec.issued++;
    fresh(c);
    c.start = now;
    const w = c.socket.write(reqBytes);
    c.pendingWrite = w < reqBytes.length ? reqBytes.subarray(w) : null;
  };

  const retire = (c: Conn) => {
    c.phase = Phase.Idle;
    const s = c.socket;
    c.socket = null;
    if (s) s.end();
    if (--live === 0) resolveAll();
  };

  const complete = (c: Conn) => {
    const end = performance.now();
    const ok = !terminator || c.tail.indexOf(terminator) !== -1;
    const tail = c.tail;
    rec.done(c.start, end, c.status, c.bytes, stream ? c.ttfb : -1, c.events, ok, () => tail.toString("utf8"));
    if (c.keepAlive) send(c);
    else {
      // The server closes: open a new connection for the next request.
      const s = c.socket;
      c.socket = null;
      s?.end();
      connect(c);
    }
  };

  const bodyBytes = (c: Conn, buf: Buffer, from: number, to: number) => {
    if (to <= from) return;
    if (c.ttfb < 0) c.ttfb = performance.now();
    c.bytes += to - from;
    if (stream) {
      c.events += countEvents(buf, from, to, c.prevNl);
      c.prevNl = buf[to - 1] === CRLF;
    }
    if (terminator) {
      const seg = buf.subarray(Math.max(from, to - TAIL), to);
      c.tail = c.tail.length + seg.length <= TAIL ? Buffer.concat([c.tail, seg]) : Buffer.concat([c.tail, seg]).subarray(-TAIL);
    }
  };

  const parseHead = (c: Conn, h: string) => {
    c.status = Number(h.slice(9, 12));
    let length = -1;
    let chunked = false;
    c.keepAlive = true;
    for (const line of h.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === "content-length") length = Number(value);
      else if (name === "transfer-encoding") chunked = value.includes("chunked");
      else if (name === "connection") c.keepAlive = !value.includes("close");
    }
    // 1xx, 204 and 304 answers have no body whatever their headers say (RFC 9112 §6.3).
    if (c.status === 204 || c.status === 304 || c.status < 200) {
      c.phase = Phase.Length;
      c.remaining = 0;
    } else if (chunked) c.phase = Phase.ChunkSize;
    else if (length >= 0) {
      c.phase = Phase.Length;
      c.remaining = length;
    } else {
      c.phase = Phase.UntilClose;
      c.keepAlive = false;
    }
  };

  /** After a response completed: did the connection move on to a new request on the same socket? */
  const nextRequestOn = (c: Conn, sock: Conn["socket"]) => (c.phase as Phase) === Phase.Head && c.socket === sock;

  const onData = (c: Conn, data: Buffer) => {
    const sock = c.socket;
    let buf = data;
    if (c.carry) {
      buf = Buffer.concat([c.carry, data]);
      c.carry = null;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len || c.phase === Phase.Length) {
      switch (c.phase) {
        case Phase.Head: {
          const e = buf.indexOf("\r\n\r\n", pos);
          if (e === -1) {
            c.carry = Buffer.from(buf.subarray(pos));
            return;
          }
          parseHead(c, buf.toString("latin1", pos, e));
          pos = e + 4;
          if ((c.phase as Phase) === Phase.Length && c.remaining === 0) {
            complete(c);
            if (!nextRequestOn(c, sock)) return;
          }
          break;
        }
        case Phase.Length: {
          const n = Math.min(c.remaining, len - pos);
          bodyBytes(c, buf, pos, pos + n);
          pos += n;
          c.remaining -= n;
          if (c.remaining > 0) return;
          complete(c);
          if (!nextRequestOn(c, sock)) return;
          break;
        }
        case Phase.ChunkSize: {
          const e = buf.indexOf("\r\n", pos);
          if (e === -1) {
            c.carry = Buffer.from(buf.subarray(pos));
            return;
          }
          const size = parseInt(buf.toString("latin1", pos, e).split(";")[0]!, 16);
          pos = e + 2;
          if (size === 0) c.phase = Phase.Trailer;
          else {
            c.remaining = size;
            c.phase = Phase.ChunkData;
          }
          break;
        }
        case Phase.ChunkData: {
          const n = Math.min(c.remaining, len - pos);
          bodyBytes(c, buf, pos, pos + n);
          pos += n;
          c.remaining -= n;
          if (c.remaining === 0) {
            c.phase = Phase.ChunkCrlf;
            c.remaining = 2;
          }
          break;
        }
        case Phase.ChunkCrlf: {
          const n = Math.min(c.remaining, len - pos);
          pos += n;
          c.remaining -= n;
          if (c.remaining === 0) c.phase = Phase.ChunkSize;
          break;
        }
        case Phase.Trailer: {
          const e = buf.indexOf("\r\n", pos);
          if (e === -1) {
            c.carry = Buffer.from(buf.subarray(pos));
            return;
          }
          const empty = e === pos;
          pos = e + 2;
          if (empty) {
            complete(c);
            if (!nextRequestOn(c, sock)) return;
          }
          break;
        }
        case Phase.UntilClose:
          bodyBytes(c, buf, pos, len);
          return;
        case Phase.Idle:
          return;
      }
    }
  };

  const onClosed = (s: import("bun").Socket<Conn>, why: string) => {
    const c = s.data;
    if (c.socket !== s) return; // closed by us, or an old socket of this connection
    c.socket = null;
    if (c.phase === Phase.Idle) return;
    if (c.phase === Phase.UntilClose) {
      c.keepAlive = false;
      return complete(c);
    }
    if (c.start > 0) rec.fail(why);
    connect(c);
  };

  const connect = (c: Conn) => {
    fresh(c);
    c.start = 0;
    if (!rec.more(performance.now())) {
      c.phase = Phase.Idle;
      if (--live === 0) resolveAll();
      return;
    }
    Bun.connect<Conn>({
      hostname: host,
      port,
      data: c,
      socket: {
        open(s) {
          consecutiveConnectErrors = 0;
          s.data.socket = s;
          send(s.data);
        },
        data(s, d) {
          onData(s.data, d as Buffer);
        },
        drain(s) {
          const w = s.data.pendingWrite;
          if (w) {
            const n = s.write(w);
            s.data.pendingWrite = n < w.length ? w.subarray(n) : null;
          }
        },
        close(s) {
          onClosed(s, "connection closed mid-response");
        },
        error(s, e) {
          onClosed(s, `socket error: ${e.message}`);
        },
        connectError(s, e) {
          rec.fail(`connect: ${e.message}`);
          rec.issued++; // a failed attempt uses up one request of a counted run
          if (++consecutiveConnectErrors > 200) {
            s.data.phase = Phase.Idle;
            if (--live === 0) resolveAll();
            return;
          }
          setTimeout(() => connect(s.data), 10);
        },
      },
    }).catch(() => {});
  };

  const conns: Conn[] = [];
  for (let i = 0; i < opts.connections; i++) {
    const c = { socket: null, pendingWrite: null, start: 0 } as unknown as Conn;
    fresh(c);
    conns.push(c);
  }
  live = conns.length;
  for (const c of conns) connect(c);

  // Timeouts: a request stuck longer than timeoutMs is an error; its connection is replaced.
  const timer = setInterval(() => {
    const now = performance.now();
    for (const c of conns) {
      if (c.socket && c.phase !== Phase.Idle && c.start > 0 && now - c.start > timeoutMs) {
        rec.fail(`timeout after ${timeoutMs} ms`);
        const s = c.socket;
        c.socket = null;
        s.terminate();
        connect(c);
      }
    }
  }, 250);
  try {
    await allDone;
  } finally {
    clearInterval(timer);
  }
}

/** Fetch engine: N loops of fetch + full body read. */
async function runFetch(opts: LoadOptions, rec: Recorder): Promise<void> {
  const terminator = opts.terminator;
  const stream = opts.stream === true;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const dec = new TextDecoder();
  const loop = async () => {
    for (;;) {
      const start = performance.now();
      if (!rec.more(start)) return;
      rec.issued++;
      try {
        const res = await fetch(opts.url, {
          method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
          headers: opts.headers,
          body: opts.body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        let ttfb = -1;
        let bytes = 0;
        let events = 0;
        let prevNl = false;
        let tail = "";
        const reader = res.body?.getReader();
        for (; reader; ) {
          const { done, value } = await reader.read();
          if (done) break;
          if (ttfb < 0) ttfb = performance.now();
          bytes += value.length;
          if (stream) {
            const b = Buffer.from(value.buffer, value.byteOffset, value.length);
            events += countEvents(b, 0, b.length, prevNl);
            prevNl = b[b.length - 1] === CRLF;
          }
          if (terminator) tail = (tail + dec.decode(value.subarray(Math.max(0, value.length - TAIL)))).slice(-TAIL);
        }
        const end = performance.now();
        const ok = !terminator || tail.includes(terminator);
        rec.done(start, end, res.status, bytes, stream ? ttfb : -1, events, ok, () => tail);
      } catch (e) {
        rec.fail(`fetch: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, loop));
}

/** Runs the load in this process. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const engine = opts.engine ?? "socket";
  const now = performance.now();
  const warm = opts.requests ? 0 : (opts.warmupMs ?? 0);
  const rec = new Recorder(now + warm, now + warm + (opts.durationMs ?? 0), opts.requests ?? 0);
  if (!opts.requests && !opts.durationMs) throw new Error("load: give durationMs or requests");
  await (engine === "socket" ? runSocket(opts, rec) : runFetch(opts, rec));
  return rec.result(engine, opts.connections, opts.stream === true);
}

/**
 * Runs the load in a child process (`bun bench/load.ts --json …`), so the generator's heap and CPU are its own and
 * the orchestrator's idle event loop stays out of the measurement.
 */
export async function runLoadInChild(opts: LoadOptions): Promise<LoadResult> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--json", JSON.stringify(opts)], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" },
  });
  try {
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (code !== 0) throw new Error(`load generator exited ${code}: ${err.trim()}`);
    return JSON.parse(out) as LoadResult;
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

function parseCli(args: string[]): LoadOptions {
  const json = args.indexOf("--json");
  if (json >= 0) return JSON.parse(args[json + 1]!) as LoadOptions;
  const get = (n: string) => {
    const i = args.indexOf(`--${n}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const headers: Record<string, string> = {};
  args.forEach((a, i) => {
    if (a === "--header") {
      const h = args[i + 1]!;
      const c = h.indexOf(":");
      headers[h.slice(0, c).trim()] = h.slice(c + 1).trim();
    }
  });
  const body = get("body");
  if (body && !headers["content-type"]) headers["content-type"] = "application/json";
  return {
    url: get("url") ?? "http://127.0.0.1:3847/health",
    connections: Number(get("connections") ?? 64),
    durationMs: Number(get("duration") ?? 5) * 1000,
    warmupMs: Number(get("warmup") ?? 1) * 1000,
    body,
    headers,
    stream: args.includes("--stream"),
    terminator: get("terminator"),
    engine: (get("engine") as "socket" | "fetch" | undefined) ?? "socket",
  };
}

if (import.meta.main) {
  const opts = parseCli(process.argv.slice(2));
  const res = await runLoad(opts);
  console.log(JSON.stringify(res, null, process.argv.includes("--json") ? undefined : 2));
  process.exit(0);
}
