import { Value } from "@sinclair/typebox/value";
import type { ConfigStore } from "../config/store.ts";
import { HealthDocument } from "../server/health-document.ts";
import { operatorToken } from "../server/operator-token.ts";
import type { FetchLike } from "./base-command.ts";

export type ProbeResult = { up: true; url: string; httpStatus: number; report?: HealthDocument } | { up: false; url: string; error: string };

/** Where a client reaches a server bound to `host`: a wildcard bind is reached over loopback. */
export function healthUrl(host: string, port: number): string {
  let h = host;
  if (h === "0.0.0.0" || h === "") h = "127.0.0.1";
  else if (h === "::" || h === "[::]") h = "::1";
  if (h.includes(":") && !h.startsWith("[")) h = `[${h}]`;
  return `http://${h}:${port}/health`;
}

/**
 * The token that shows /health's details (each account's state, version, uptime): derived from the master key
 * (src/server/operator-token.ts). Undefined when there is no master key yet; asking for health never makes one.
 */
export function healthToken(store: ConfigStore): string | undefined {
  const key = store.existingMasterKey();
  return key && operatorToken(key);
}

/**
 * Asks a gateway for its health. Any HTTP answer means the server is up (an unhealthy gateway answers 503 with
 * the same body); a refused connection or the timeout means it is down. Short timeout: `status` must stay snappy.
 * With `token` the answer carries each account's state. A body not in the /health shape is no report.
 */
export async function probeHealth(fetch: FetchLike, host: string, port: number, opts: { token?: string; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const url = healthUrl(host, port);
  const timeoutMs = opts.timeoutMs ?? 1000;
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  try {
    let res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
    if (res.status === 401 && opts.token) {
      // A server started with another master key refuses the token: its status and counts are still worth showing.
      delete headers.authorization;
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
    }
    let report: HealthDocument | undefined;
    try {
      const body: unknown = await res.json();
      if (Value.Check(HealthDocument, body)) report = body;
    } catch {
      /* up, but not answering in the gateway's shape */
    }
    return { up: true, url, httpStatus: res.status, report };
  } catch (e) {
    const err = e as Error;
    const why = err.name === "TimeoutError" || err.name === "AbortError" ? `no answer within ${timeoutMs} ms` : "nothing answers";
    return { up: false, url, error: `${why} at ${url}` };
  }
}

/**
 * The exit code `health`, `status` and `server status` share: 0 when a gateway answers ok or degraded; 1 when
 * nothing answers, it answers unhealthy, or what answers is not a gateway. Scripts can use any of the three.
 */
export function healthExitCode(probe: ProbeResult): 0 | 1 {
  if (!probe.up || !probe.report) return 1;
  return probe.report.status === "ok" || probe.report.status === "degraded" ? 0 : 1;
}
