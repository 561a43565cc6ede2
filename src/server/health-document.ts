import { Type as T, type Static } from "@sinclair/typebox";

/**
 * The `GET /health` document, defined once: the server builds it, `/swagger/json` documents it, the CLI checks
 * what it reads against it (src/cli/probe-health.ts).
 */
export const AccountHealthItem = T.Object({
  id: T.String(),
  state: T.String({ description: "healthy, cooling, circuit_open, half_open, auth_failed" }),
  until: T.Optional(T.String({ description: "ISO time the account comes back by itself" })),
  /** Why it is not healthy. */
  reason: T.Optional(T.String({ description: "rate_limited, overloaded, billing, auth_401, auth_403, failures" })),
  /** One plain sentence for people. */
  detail: T.Optional(T.String()),
  consecutive_failures: T.Optional(T.Integer()),
});
export type AccountHealthSummary = Static<typeof AccountHealthItem>;

export const HealthStatus = T.Union([T.Literal("ok"), T.Literal("degraded"), T.Literal("unhealthy")]);

export const HealthDocument = T.Object(
  {
    status: HealthStatus,
    accounts: T.Object({
      healthy: T.Integer(),
      total: T.Integer(),
      items: T.Optional(T.Array(AccountHealthItem, { description: "Each enabled account: with a read or admin key only" })),
    }),
    version: T.Optional(T.String({ description: "With a read or admin key only" })),
    uptime_s: T.Optional(T.Integer({ description: "With a read or admin key only" })),
  },
  {
    description:
      "Without a key: status and account counts. With a gateway key that has read or admin permission: also the " +
      "version, the uptime and each account's state (ids, reasons, failure details).",
  },
);
export type HealthDocument = Static<typeof HealthDocument>;

/** `ok` when every enabled account is healthy (or there are none), `unhealthy` when none is, else `degraded`. */
export function healthDocument(items: AccountHealthSummary[], details?: { version: string; uptimeS: number }): HealthDocument {
  let healthy = 0;
  for (const a of items) if (a.state === "healthy") healthy++;
  const status = items.length === 0 || healthy === items.length ? "ok" : healthy > 0 ? "degraded" : "unhealthy";
  if (!details) return { status, accounts: { healthy, total: items.length } };
  return { status, version: details.version, uptime_s: details.uptimeS, accounts: { healthy, total: items.length, items } };
}
