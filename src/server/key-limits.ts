import type { GatewayKey } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { bestMatch } from "../routing/match-model.ts";
import type { StateStore } from "../state/types.ts";
import type { Spend } from "../usage/ledger/spend-tracker.ts";
import { formatUsd } from "../usage/format-usd.ts";
import { tokensThisMinute } from "../usage/token-rate.ts";

/**
 * A gateway key's spend budgets and tokens-per-minute limit, checked before a billable request (after its
 * requests-per-minute limit, rate-limit.ts). Both are checked against what is already known: the spend of the
 * requests that have finished (the usage ledger's figures, from memory) and the tokens counted in the key's
 * current minute. A request is let through while the key is under its limits, and its own cost and tokens are
 * added when it ends ("settled" by the usage recorder). So the requests in flight when a limit is crossed all
 * finish: the overshoot is at most their cost (one request's for a client that sends one at a time).
 * Over a limit: 429 naming it, with Retry-After until it resets (thrown at once for a budget). With a token limit,
 * a promise of its headers (or of the 429); undefined without one.
 */
export function enforceUsageLimits(
  key: GatewayKey,
  deps: { spendOf(keyId: string, now: number): Spend; state: StateStore },
  now: number,
): Promise<Record<string, string>> | undefined {
  const daily = key.budget_usd_daily;
  const monthly = key.budget_usd_monthly;
  if (daily !== undefined || monthly !== undefined) {
    const spend = deps.spendOf(key.id, now);
    // The monthly budget first: when both are spent, the month's reset is the one that matters.
    if (monthly !== undefined && spend.monthUsd >= monthly) throw overBudget(key, "monthly", monthly, spend.monthUsd, spend.monthResetsAt, now);
    if (daily !== undefined && spend.dayUsd >= daily) throw overBudget(key, "daily", daily, spend.dayUsd, spend.dayResetsAt, now);
  }
  // Only a token limit needs the state store (and an await): a key without one costs the request nothing more.
  const tpm = key.rate_limit_tpm;
  return tpm ? enforceTokenLimit(key, tpm, deps.state, now) : undefined;
}

async function enforceTokenLimit(key: GatewayKey, tpm: number, state: StateStore, now: number): Promise<Record<string, string>> {
  const { count, resetAt } = await tokensThisMinute(state, key.id);
  const resetSeconds = secondsUntil(resetAt, now);
  const headers = {
    "x-ratelimit-limit-tokens": String(tpm),
    "x-ratelimit-remaining-tokens": String(Math.max(0, tpm - count)),
    "x-ratelimit-reset-tokens": `${resetSeconds}s`,
  };
  if (count >= tpm) {
    throw new GatewayError(
      429,
      "rate_limited",
      `key '${key.name}' is over its limit of ${tpm} tokens per minute (used ${count}); resets at ${new Date(resetAt).toISOString()}`,
      { retryAfter: resetSeconds, headers },
    );
  }
  return headers;
}

/** The key's model allow-list (`allowed_models`: exact names, `prefix*`, `*`; case ignored), against the model asked. */
export function enforceAllowedModel(key: GatewayKey, model: string): void {
  const allowed = key.allowed_models;
  if (!allowed || bestMatch(allowed, model) !== undefined) return;
  // The name is the client's: cut, so a long one cannot bloat the answer.
  const shown = model.length > 200 ? `${model.slice(0, 200)}…` : model;
  const list = allowed.length ? `allowed: ${allowed.join(", ")}` : "it may use no model";
  throw new GatewayError(403, "permission", `key '${key.name}' may not use model '${shown}' (${list})`, { param: "model" });
}

function overBudget(key: GatewayKey, period: "daily" | "monthly", budget: number, spent: number, resetsAt: number, now: number): GatewayError {
  return new GatewayError(
    429,
    "rate_limited",
    `key '${key.name}' is over its ${period} budget of ${formatUsd(budget)} (spent ${formatUsd(spent)}); resets at ${new Date(resetsAt).toISOString()}`,
    { retryAfter: secondsUntil(resetsAt, now) },
  );
}

const secondsUntil = (at: number, now: number) => Math.max(1, Math.ceil((at - now) / 1000));
