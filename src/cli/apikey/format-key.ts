import type { GatewayKey } from "../../config/schema.ts";
import { formatFields } from "../format-table.ts";
import { formatUsd } from "../usage/format-usage.ts";
import { keyState } from "./key-state.ts";

/**
 * Human form of one key, for `apikey show` and `apikey update`. `spend` (show): the budget and usage lines of
 * spend-summary.ts, which state the budgets with what is left of them; without it the budgets are listed as set.
 */
export function formatKey(key: GatewayKey, now: number, spend?: [string, string][]): string {
  const budget = (usd: number | undefined) => (usd === undefined ? "none" : formatUsd(usd));
  return formatFields([
    ["id", key.id],
    ["name", key.name],
    ["prefix", key.key_prefix],
    ["permissions", key.permissions.join(",")],
    ["status", keyState(key, now)],
    ["rpm", key.rate_limit_rpm ? String(key.rate_limit_rpm) : "unlimited"],
    ["tpm", key.rate_limit_tpm ? String(key.rate_limit_tpm) : "unlimited"],
    ["models", key.allowed_models?.join(",") ?? "every model"],
    ["expires", key.expires_at ?? "never"],
    ["created", key.created_at],
    ...(spend ?? [
      ["budget (day)", budget(key.budget_usd_daily)] as [string, string],
      ["budget (month)", budget(key.budget_usd_monthly)] as [string, string],
    ]),
  ]);
}
