import { Type as T, type Static } from "@sinclair/typebox";

/**
 * The `GET /health` document, defined once: the server builds it, `/swagger/json` documents it, the CLI checks
 * what it reads against it (src/cli/probe-health.ts).
 */
export const AccountHealthItem = T.Object({
  id: T.String(),
  state: T.String({ description: "healthy, cooling, circuit_open, half_open, auth_failed, spend_capped" }),
  until: T.Optional(T.String({ description: "ISO time the account comes back by itself" })),
  /** Why it is not healthy. */
  reason: T.Optional(T.String({ description: "rate_limited, overloaded, billing, auth_401, auth_403, failures, spend_cap_daily, spend_cap_monthly" })),
  /** One plain sentence for people. */
  detail: T.Optional(T.String()),
  consecutive_failures: T.Optional(T.Integer()),
});
export type AccountHealthSummary = Static<typeof AccountHealthItem>;

/** The usage ledger (docs/USAGE_LEDGER.md): whether rows reach its database, and the counts. */
export const LedgerHealthItem = T.Object({
  state: T.Union([T.Literal("ok"), T.Literal("degraded")]),
  reason: T.Optional(T.String({ description: "Why rows are not being written: the database's failure in a few words" })),
  since: T.Optional(T.String({ description: "ISO time it became degraded" })),
  buffered: T.Integer({ description: "Rows recorded and not yet written" }),
  dropped: T.Integer({ description: "Rows dropped since start (buffer full)" }),
  written: T.Integer({ description: "Rows written since start" }),
});
export type LedgerHealthSummary = Static<typeof LedgerHealthItem>;

/** Where the state several gateway processes share lives, and whether it answers (docs: "Running several instances"). */
export const StateStoreHealthItem = T.Object({
  backend: T.Union([T.Literal("memory"), T.Literal("redis"), T.Literal("workers")], {
    description: "memory: this process alone; redis: cluster mode; workers: the supervisor of `server start --workers`",
  }),
  state: T.Union([T.Literal("ok"), T.Literal("degraded")]),
  reason: T.Optional(T.String({ description: "Why the shared state is not reachable: requests are served with this process's own state meanwhile" })),
  since: T.Optional(T.String({ description: "ISO time it became degraded" })),
});
export type StateStoreHealthSummary = Static<typeof StateStoreHealthItem>;

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
    worker: T.Optional(T.Integer({ description: "Which worker of `server start --workers` answered (with a read or admin key only)" })),
    usage_ledger: T.Optional(LedgerHealthItem),
    state_store: T.Optional(StateStoreHealthItem),
  },
  {
    description:
      "Without a key: status and account counts. With a gateway key that has read or admin permission: also the " +
      "version, the uptime, each account's state (ids, reasons, failure details) and the usage ledger's state " +
      "(absent when the ledger is off) and the shared state's (cluster mode or workers). A degraded ledger or shared state " +
      "makes the status degraded.",
  },
);
export type HealthDocument = Static<typeof HealthDocument>;

/**
 * `ok` when every enabled account is healthy (or there are none), the usage ledger (when on) writes and the shared
 * state (when there is one) answers; `unhealthy` when no account is healthy; else `degraded`: some accounts are out,
 * the ledger cannot write (its rows wait in memory) or the shared state is away (each process counts on its own).
 * Requests are still served in every degraded case.
 */
export function healthDocument(
  items: AccountHealthSummary[],
  details?: { version: string; uptimeS: number; worker?: number },
  ledger?: LedgerHealthSummary,
  stateStore?: StateStoreHealthSummary,
): HealthDocument {
  let healthy = 0;
  for (const a of items) if (a.state === "healthy") healthy++;
  const accountsOk = items.length === 0 || healthy === items.length;
  const partsOk = ledger?.state !== "degraded" && stateStore?.state !== "degraded";
  const status = accountsOk && partsOk ? "ok" : accountsOk || healthy > 0 ? "degraded" : "unhealthy";
  if (!details) return { status, accounts: { healthy, total: items.length } };
  return {
    status,
    version: details.version,
    uptime_s: details.uptimeS,
    ...(details.worker !== undefined && { worker: details.worker }),
    accounts: { healthy, total: items.length, items },
    ...(ledger && { usage_ledger: ledger }),
    ...(stateStore && { state_store: stateStore }),
  };
}
