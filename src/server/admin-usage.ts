import type { Config } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { describeDbError } from "../usage/ledger/describe-db-error.ts";
import type { UsageQuery, UsageReport } from "../usage/ledger/usage-report.ts";
import { usageDocument, type UsageDocument } from "../usage/usage-document.ts";
import { parseUsageParams, UsageParamError, type UsageParamName } from "../usage/usage-params.ts";

/** Reads the usage ledger: undefined while no gateway has recorded usage (no ledger database yet). */
export type QueryUsage = (q: UsageQuery) => Promise<UsageReport | undefined>;

const PARAMS: readonly UsageParamName[] = ["since", "until", "by", "key", "account", "model"];

/**
 * `GET /admin/api/usage`: the `usage` command's report over HTTP, with the same parameters (usage-params.ts) as
 * query parameters: `since`, `until`, `by` (repeated or a comma list; one grouping), `key`, `account`, `model`.
 * Every bad or unknown parameter is a 400 naming it; a ledger that cannot be read is a 503.
 */
export async function adminUsage(search: URLSearchParams, config: Config, now: number, query: QueryUsage | undefined): Promise<UsageDocument> {
  const raw: Record<string, string[]> = {};
  for (const [name, value] of search) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      throw new GatewayError(400, "invalid_request", `unknown query parameter "${name}" (expected ${PARAMS.join(", ")})`, { param: name });
    }
    (raw[name] ??= []).push(value);
  }
  const one = (name: Exclude<UsageParamName, "by">) => {
    const values = raw[name];
    if (values && values.length > 1) throw new GatewayError(400, "invalid_request", `${name} is given ${values.length} times; give it once`, { param: name });
    return values?.[0];
  };
  let parsed;
  try {
    parsed = parseUsageParams(
      { since: one("since"), until: one("until"), by: raw.by, key: one("key"), account: one("account"), model: one("model") },
      config,
      now,
    );
  } catch (e) {
    if (e instanceof UsageParamError) throw new GatewayError(400, "invalid_request", e.message, { param: e.param });
    throw e;
  }
  if (!query) throw new GatewayError(503, "unavailable", "the usage ledger is not available in this gateway");
  let report: UsageReport | undefined;
  try {
    report = await query(parsed.query);
  } catch (e) {
    throw new GatewayError(503, "unavailable", `the usage ledger cannot be read: ${describeDbError(e)}`, { cause: e });
  }
  return usageDocument(parsed.query, report, config);
}
