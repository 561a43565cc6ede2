import { DEFAULT_SESSION_HEADERS } from "../config/schema.ts";

/**
 * The key that ties requests of one conversation together, for sticky routing. First match wins:
 * 1. a configured header (default: `x-session-id`, and Claude Code's `x-claude-code-session-id`,
 *    which stays the same for a whole Claude Code session);
 * 2. Anthropic `metadata.user_id`;
 * 3. OpenAI `user`.
 * The key is prefixed with its source so an OpenAI `user` never collides with a header value.
 */

export function sessionKeyFrom(
  body: unknown,
  headers: Headers,
  headerNames: readonly string[] = DEFAULT_SESSION_HEADERS,
): string | undefined {
  for (const name of headerNames) {
    const v = headers.get(name);
    if (v) return `h:${name}:${v}`;
  }
  if (typeof body === "object" && body !== null) {
    const b = body as { metadata?: { user_id?: unknown }; user?: unknown };
    const userId = b.metadata?.user_id;
    if (typeof userId === "string" && userId) return `a:${userId}`;
    if (typeof b.user === "string" && b.user) return `o:${b.user}`;
  }
  return undefined;
}
