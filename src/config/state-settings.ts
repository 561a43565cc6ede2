import type { Config } from "./schema.ts";

/**
 * The Redis URL cluster mode uses: LLM_GATEWAY_REDIS_URL when set (a container's environment, compose.yaml), else
 * `state.redis_url` from a configuration whose sealed URLs are opened (src/runtime/runtime-config.ts). Undefined:
 * no Redis, the state stays in this process (or the workers' supervisor).
 */
export function redisUrlFrom(config: Config, env: Record<string, string | undefined>): string | undefined {
  const url = env.LLM_GATEWAY_REDIS_URL?.trim() || config.state.redis_url;
  return url ? url : undefined;
}

/** `redis://user:***@host:6379/0`: a Redis URL fit for a log line or an error message. */
export function redisUrlForDisplay(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(a Redis URL that does not parse)";
  }
}
