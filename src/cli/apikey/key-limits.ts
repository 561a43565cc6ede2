import type { GatewayKeyChanges } from "../../config/edits/gateway-keys.ts";
import type { BaseCommand } from "../base-command.ts";
import { parseModelPatterns } from "../parse-model-patterns.ts";
import { parseSpendLimits, type SpendLimits } from "../parse-spend-limits.ts";
import { formatUsd } from "../usage/format-usage.ts";

/** The limit options `apikey add` and `apikey update` share, as typed. */
export interface KeyLimitOptions {
  rpm?: string;
  tpm?: string;
  budgetUsd?: string[];
  models?: string;
}

/** What they change: a rate of 0 and an empty model list remove the limit. */
export interface KeyLimitChanges {
  rpm?: number;
  tpm?: number;
  budgets: SpendLimits;
  models?: string[];
}

export const KEY_LIMIT_DESCRIPTIONS = {
  rpm: "Requests per minute (0: unlimited)",
  tpm: "Tokens (input + output) per minute (0: unlimited)",
  budgetUsd: "Spend budget: 50/month or 5/day (repeat for both; none/month removes one)",
  models: "Comma list of model patterns the key may ask for: exact, prefix*, * ('': every model)",
};

/** Parses the options; a bad value is a usage error naming its option (exit 2). */
export function parseKeyLimits(cmd: BaseCommand, o: KeyLimitOptions): KeyLimitChanges {
  return {
    rpm: cmd.parseInteger("--rpm", o.rpm, 0),
    tpm: cmd.parseInteger("--tpm", o.tpm, 0),
    budgets: parseSpendLimits("--budget-usd", o.budgetUsd),
    models: o.models === undefined ? undefined : parseModelPatterns("--models", o.models, { allowEmpty: true }),
  };
}

export const changesSomething = (c: KeyLimitChanges) =>
  c.rpm !== undefined || c.tpm !== undefined || c.budgets.daily !== undefined || c.budgets.monthly !== undefined || c.models !== undefined;

/** The options as a change to the key (src/config/edits/gateway-keys.ts): 0 and [] remove a limit there too. */
export function keyLimitChanges(c: KeyLimitChanges): GatewayKeyChanges {
  return {
    ...(c.rpm !== undefined && { rate_limit_rpm: c.rpm }),
    ...(c.tpm !== undefined && { rate_limit_tpm: c.tpm }),
    ...(c.budgets.daily !== undefined && { budget_usd_daily: c.budgets.daily }),
    ...(c.budgets.monthly !== undefined && { budget_usd_monthly: c.budgets.monthly }),
    ...(c.models !== undefined && { allowed_models: c.models }),
  };
}

/** `$50.0000/month, $5.0000/day`, or `-`. */
export function formatBudgets(daily: number | undefined, monthly: number | undefined): string {
  const parts = [monthly !== undefined && `${formatUsd(monthly)}/month`, daily !== undefined && `${formatUsd(daily)}/day`].filter(Boolean);
  return parts.length ? parts.join(", ") : "-";
}
