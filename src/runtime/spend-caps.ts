import type { Config, UpstreamAccount } from "../config/schema.ts";
import type { AccountHold } from "../routing/router.ts";
import { formatUsd } from "../usage/format-usd.ts";
import type { Spend } from "../usage/ledger/spend-tracker.ts";

/**
 * The router's hold for upstream accounts over their spend cap (`spend_cap_usd_daily` / `_monthly`): out of
 * rotation until the period resets (UTC day, calendar month), back by itself then. Spend is the usage figures in
 * memory (the ledger's: what was recorded before this start, plus every request since), so this is a lookup.
 * Accounts without a cap cost one Map lookup; a configuration without any, one comparison.
 */
export function spendCapHold(deps: {
  config(): Config;
  spendOf(accountId: string, now: number): Spend;
  clock: () => number;
}): (accountId: string) => AccountHold | undefined {
  let seen: readonly UpstreamAccount[] | undefined;
  let capped = new Map<string, UpstreamAccount>();
  return (accountId) => {
    const accounts = deps.config().upstream_accounts;
    if (accounts !== seen) {
      seen = accounts;
      capped = new Map(accounts.filter((a) => a.spend_cap_usd_daily !== undefined || a.spend_cap_usd_monthly !== undefined).map((a) => [a.id, a]));
    }
    if (capped.size === 0) return undefined;
    const account = capped.get(accountId);
    if (!account) return undefined;
    const now = deps.clock();
    const spend = deps.spendOf(accountId, now);
    const monthly = account.spend_cap_usd_monthly;
    const daily = account.spend_cap_usd_daily;
    // The month first: when both caps are reached, the month's reset is when the account comes back.
    if (monthly !== undefined && spend.monthUsd >= monthly) return capHold("monthly", monthly, spend.monthUsd, spend.monthResetsAt);
    if (daily !== undefined && spend.dayUsd >= daily) return capHold("daily", daily, spend.dayUsd, spend.dayResetsAt);
    return undefined;
  };
}

const capHold = (period: "daily" | "monthly", cap: number, spent: number, until: number): AccountHold => ({
  until,
  reason: `spend_cap_${period}`,
  detail: `over its ${period} spend cap of ${formatUsd(cap)} (spent ${formatUsd(spent)}); back in rotation at ${new Date(until).toISOString()}`,
});
