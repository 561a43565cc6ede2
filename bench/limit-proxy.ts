/**
 * The smallest Bun pass-through proxy: Bun.serve + fetch, no logic. Whatever it achieves is the ceiling for any
 * gateway on Bun, so every gateway figure is reported as a ratio to it.
 *
 *   bun bench/limit-proxy.ts --upstream http://127.0.0.1:PORT [--port 0] [--host 127.0.0.1]
 *
 * Prints `limit proxy listening on http://HOST:PORT`. The (small) request body is read whole and sent on: measured
 * against forwarding `req.body` as a stream, that halves the added latency (0.11 vs 0.18 ms p50) and is faster under
 * load, and a gateway must read the JSON anyway. The upstream Response is returned as is, so Bun pipes the answer
 * (JSON or SSE) through without buffering it.
 */

export interface LimitProxy {
  url: string;
  stop(): void;
}

export function startLimitProxy(opts: { upstream: string; host?: string; port?: number }): LimitProxy {
  const upstream = opts.upstream.replace(/\/$/, "");
  const server = Bun.serve({
    hostname: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    idleTimeout: 0,
    async fetch(req) {
      const headers = new Headers(req.headers);
      headers.delete("host");
      return fetch(upstream + req.url.slice(req.url.indexOf("/", 8)), {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer(),
        decompress: false,
      } as RequestInit);
    },
  });
  return { url: `http://${server.hostname}:${server.port}`, stop: () => server.stop(true) };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const upstream = flag("upstream");
  if (!upstream) {
    console.error("usage: bun bench/limit-proxy.ts --upstream URL [--port N] [--host H]");
    process.exit(2);
  }
  const p = startLimitProxy({ upstream, host: flag("host"), port: Number(flag("port") ?? 0) });
  console.log(`limit proxy listening on ${p.url}`);
  const stop = () => {
    p.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
