import type { FetchLike } from "./base-command.ts";

/** One account in /health (see src/runtime/account-health.ts). */
export interface AccountHealthItem {
  id: string;
  state: string;
  until?: string | number;
  reason?: string;
  detail?: string;
  consecutive_failures?: number;
}

/** The running gateway's `GET /health` body (the parts the CLI shows). */
export interface HealthReport {
  status: string;
  version?: string;
  uptime_s?: number;
  accounts?: {
    healthy: number;
    total: number;
    items?: AccountHealthItem[];
  };
}

export type ProbeResult = { up: true; url: string; httpStatus: number; report?: HealthReport } | { up: false; url: string; error: string };

/** Where a client reaches a server bound to `host`: a wildcard bind is reached over loopback. */
export function healthUrl(host: string, port: number): string {
  let h = host;
  if (h === "0.0.0.0" || h === "") h = "127.0.0.1";
  else if (h === "::" || h === "[::]") h = "::1";
  if (h.includes(":") && !h.startsWith("[")) h = `[${h}]`;
  return `http://${h}:${port}/health`;
}

/**
 * Asks a gateway for its health. Any HTTP answer means the server is up (an unhealthy gateway answers 503 with
 * the same body); a refused connection or the timeout means it is down. Short timeout: `status` must stay snappy.
 */
export async function probeHealth(fetch: FetchLike, host: string, port: number, timeoutMs = 1000): Promise<ProbeResult> {
  const url = healthUrl(host, port);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    let report: HealthReport | undefined;
    try {
      const body = (await res.json()) as HealthReport;
      if (body && typeof body === "object" && typeof body.status === "string") report = body;
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
