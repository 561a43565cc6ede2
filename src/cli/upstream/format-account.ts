import type { UpstreamAccount } from "../../config/schema.ts";
import { usesOpenAICompatible } from "../../providers/gemini.ts";
import type { SpendLimits } from "../parse-spend-limits.ts";
import { formatFields } from "../format-table.ts";
import { formatUsd } from "../usage/format-usage.ts";

/** The provider as lists show it: a Gemini account with the API it speaks (`gemini_api`, or what its base URL implies). */
export const providerLabel = (a: UpstreamAccount): string =>
  a.provider === "gemini" ? `gemini (${usesOpenAICompatible(a) ? "openai-compatible" : "native"})` : a.provider;

/** `--spend-cap-usd` as a change to the account (src/config/edits/upstream-accounts.ts). */
export const spendCapChanges = (caps: SpendLimits) => ({
  ...(caps.daily !== undefined && { spend_cap_usd_daily: caps.daily }),
  ...(caps.monthly !== undefined && { spend_cap_usd_monthly: caps.monthly }),
});
export const SPEND_CAP_DESCRIPTION =
  "Spend cap: 100/month or 10/day (repeat for both; none/month removes one); past it the account leaves rotation until the period resets";

/**
 * Human form of one (already masked) account, for `upstream add`, `update` and `show`. `spend` (show): the cap
 * and usage lines of spend-summary.ts, which state the caps with what is left of them; without it the caps are
 * listed as set.
 */
export function formatAccount(a: UpstreamAccount, health?: string, spend?: [string, string][]): string {
  const cap = (usd: number | undefined) => (usd === undefined ? undefined : formatUsd(usd));
  return formatFields([
    ["id", a.id],
    ["name", a.name],
    ["type", a.type],
    ["provider", a.provider],
    ["status", a.status],
    ["health", health],
    ["key", a.api_key ?? "(none)"],
    ["base url", a.base_url ?? "(provider default)"],
    ["models", a.models?.join(",") ?? "(provider default)"],
    ["weight", String(a.weight)],
    ["priority", String(a.priority)],
    ["api version", a.api_version],
    ["project", a.project],
    ["region", a.region],
    ["gemini api", a.provider === "gemini" ? (usesOpenAICompatible(a) ? "openai-compatible" : "native") : undefined],
    ["created", a.created_at],
    ...(spend ?? [
      ["spend cap (day)", cap(a.spend_cap_usd_daily)] as [string, string | undefined],
      ["spend cap (month)", cap(a.spend_cap_usd_monthly)] as [string, string | undefined],
    ]),
  ]);
}
