import type { Config } from "../config/schema.ts";
import { parseDuration } from "../parse-duration.ts";
import { DAY_MS } from "./ledger/rollup.ts";
import { dayStartOf, monthStartOf } from "./ledger/spend-tracker.ts";
import { USAGE_GROUPS, type UsageGroupBy, type UsageQuery } from "./ledger/usage-report.ts";

/**
 * What a usage report is asked for, as text: the `usage` command's options and the admin endpoint's query
 * parameters alike, so both accept the same values and refuse the same mistakes with the same words.
 */
export interface UsageParams {
  since?: string;
  until?: string;
  /** One grouping; several values (repeated, or a comma list) are refused: the ledger groups by one at a time. */
  by?: string[];
  /** A gateway key by id or unique name. */
  key?: string;
  /** An upstream account by id or unique name. */
  account?: string;
  model?: string;
}

export type UsageParamName = keyof UsageParams;

/**
 * A bad value. `param` names the option or query parameter it came from; `detail` reads on from its name
 * ("expects …"), so the CLI says `--since expects …` and the endpoint `since expects …`.
 */
export class UsageParamError extends Error {
  constructor(
    readonly param: UsageParamName,
    readonly detail: string,
  ) {
    super(`${param} ${detail}`);
  }
}

/** Without `since`, a report covers the last seven days. */
export const DEFAULT_SINCE = "7d";

export const TIME_FORMS = "a duration back from now (30m, 24h, 7d, 2w), a UTC date (2026-01-31), a UTC time (2026-01-31T12:00Z), today, month or now";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * One end of a range, epoch ms. A date alone means its UTC midnight; as `until` it means the end of that day, so
 * `--since 2026-01-01 --until 2026-01-31` is the whole of January. A time without an offset is UTC. `today` and
 * `month` are the starts of the current UTC day and month (what budgets count).
 */
export function parseUsageTime(text: string, now: number, edge: "since" | "until"): number | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === "now") return now;
  if (lower === "today") return dayStartOf(now);
  if (lower === "month") return monthStartOf(now);
  const back = parseDuration(t);
  if (back !== undefined) return now - back;
  if (DATE.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`);
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== t) return undefined;
    return edge === "until" ? ms + DAY_MS : ms;
  }
  if (DATE_TIME.test(t)) {
    const iso = t.replace(" ", "T");
    const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** A key or account named by id, or by a name exactly one of them has. */
export interface ResolvedRef {
  id: string;
  /** False when nothing in the config has this id or name: it is matched as an id (a removed key keeps its rows). */
  known: boolean;
}

export function resolveRef(items: readonly { id: string; name: string }[], ref: string, what: string, param: UsageParamName): ResolvedRef {
  if (items.some((i) => i.id === ref)) return { id: ref, known: true };
  const named = items.filter((i) => i.name === ref);
  if (named.length === 1) return { id: named[0]!.id, known: true };
  if (named.length > 1) throw new UsageParamError(param, `"${ref}" names ${named.length} ${what}s; give the id (${named.map((i) => i.id).join(", ")})`);
  return { id: ref, known: false };
}

export interface ParsedUsageParams {
  query: UsageQuery;
  /** References found nowhere in the config, matched as ids: worth a note where someone reads the answer. */
  unknown: { param: "key" | "account"; ref: string }[];
}

/** The ledger query these parameters ask for; throws UsageParamError naming the first bad one. */
export function parseUsageParams(p: UsageParams, config: Config, now: number): ParsedUsageParams {
  const time = (param: "since" | "until", text: string) => {
    const ms = parseUsageTime(text, now, param);
    if (ms === undefined) throw new UsageParamError(param, `expects ${TIME_FORMS}; got "${text}"`);
    return ms;
  };
  const since = time("since", p.since ?? DEFAULT_SINCE);
  const until = p.until === undefined ? now : time("until", p.until);
  if (until <= since) {
    const at = (ms: number) => new Date(ms).toISOString();
    if (p.until === undefined) throw new UsageParamError("since", `(${at(since)}) must be before now (${at(until)})`);
    throw new UsageParamError("until", `(${at(until)}) must be after the start of the range (${at(since)})`);
  }
  const query: UsageQuery = { since, until };
  const groupBy = parseGroupBy(p.by);
  if (groupBy) query.groupBy = groupBy;
  const unknown: ParsedUsageParams["unknown"] = [];
  const ref = (param: "key" | "account", text: string | undefined, items: readonly { id: string; name: string }[], what: string) => {
    if (text === undefined) return undefined;
    const t = text.trim();
    if (t === "") throw new UsageParamError(param, `needs ${/^[aeiou]/.test(what) ? "an" : "a"} ${what} id or name`);
    const r = resolveRef(items, t, what, param);
    if (!r.known) unknown.push({ param, ref: t });
    return r.id;
  };
  const keyId = ref("key", p.key, config.gateway_keys, "gateway key");
  if (keyId !== undefined) query.keyId = keyId;
  const accountId = ref("account", p.account, config.upstream_accounts, "upstream account");
  if (accountId !== undefined) query.accountId = accountId;
  if (p.model !== undefined) {
    if (p.model.trim() === "") throw new UsageParamError("model", "needs a model name");
    query.model = p.model.trim();
  }
  return { query, unknown };
}

function parseGroupBy(values: string[] | undefined): UsageGroupBy | undefined {
  if (!values) return undefined;
  const list = [...new Set(values.flatMap((v) => v.split(",")).map((v) => v.trim().toLowerCase()).filter(Boolean))];
  const bad = list.find((g) => !(USAGE_GROUPS as readonly string[]).includes(g));
  if (bad !== undefined) throw new UsageParamError("by", `expects one of ${USAGE_GROUPS.join(", ")}; got "${bad}"`);
  if (list.length > 1) throw new UsageParamError("by", `takes one grouping at a time (got ${list.join(", ")}); filter by the other instead (key, account, model)`);
  return list[0] as UsageGroupBy | undefined;
}
