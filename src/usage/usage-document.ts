import { Type as T, type Static } from "@sinclair/typebox";
import type { Config } from "../config/schema.ts";
import { reportOf, UsageGroupRowSchema, UsageQuerySchema, UsageReportSchema, type UsageQuery, type UsageReport } from "./ledger/usage-report.ts";

/**
 * The usage report as the admin endpoint (`GET /admin/api/usage`) and `usage --json` give it: the ledger's report,
 * with the query's filters and, for key and account groups, the names they have in the config now. One schema,
 * used by the server, the OpenAPI document and the CLI.
 */
export const UsageDocumentRow = T.Composite([
  UsageGroupRowSchema,
  T.Object({
    /** The key's or account's name in the config; absent for other groupings and for ids the config no longer has. */
    name: T.Optional(T.String()),
  }),
]);
export type UsageDocumentRow = Static<typeof UsageDocumentRow>;

export const UsageDocument = T.Object({
  since: UsageReportSchema.properties.since,
  until: UsageReportSchema.properties.until,
  groupBy: UsageReportSchema.properties.groupBy,
  filters: T.Object({
    keyId: UsageQuerySchema.properties.keyId,
    accountId: UsageQuerySchema.properties.accountId,
    model: UsageQuerySchema.properties.model,
  }),
  /** False when no gateway has recorded usage yet (no ledger database): the figures are zero. */
  recorded: T.Boolean(),
  rows: T.Array(UsageDocumentRow),
  totals: UsageReportSchema.properties.totals,
});
export type UsageDocument = Static<typeof UsageDocument>;

/** `report` undefined: nothing recorded yet, answered as an empty report of the same range. */
export function usageDocument(query: UsageQuery, report: UsageReport | undefined, config: Config): UsageDocument {
  const r = report ?? reportOf(query, query.since, new Map());
  const names =
    r.groupBy === "key" ? config.gateway_keys : r.groupBy === "account" ? config.upstream_accounts : undefined;
  const byId = names ? new Map(names.map((i) => [i.id, i.name])) : undefined;
  return {
    since: r.since,
    until: r.until,
    groupBy: r.groupBy,
    filters: {
      ...(query.keyId !== undefined && { keyId: query.keyId }),
      ...(query.accountId !== undefined && { accountId: query.accountId }),
      ...(query.model !== undefined && { model: query.model }),
    },
    recorded: report !== undefined,
    rows: r.rows.map((row) => {
      const name = row.group === null ? undefined : byId?.get(row.group);
      return name === undefined ? row : { ...row, name };
    }),
    totals: r.totals,
  };
}
