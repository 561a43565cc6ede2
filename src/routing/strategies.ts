import type { UpstreamAccount } from "../config/schema.ts";
import type { CandidateHealth } from "./health-registry.ts";
import type { RoutingStrategy } from "./routing-options.ts";

/** What a strategy may look at for one eligible account: its health (see HealthRegistry.candidate) and the account. */
export interface CandidateView extends CandidateHealth {
  account: UpstreamAccount;
}

/**
 * Round-robin counters and smooth-weighted-round-robin credits, keyed by the pool (the set of account ids
 * in one tier). Owned by one router; bounded so changing configs cannot grow it without end.
 */
export interface RotationState {
  counters: Map<string, number>;
  credits: Map<string, Map<string, number>>;
}

const MAX_POOLS = 1024;

export function createRotationState(): RotationState {
  return { counters: new Map(), credits: new Map() };
}

/**
 * Orders eligible accounts: priority tiers first (lower `priority` number = higher tier, always; a lower
 * tier is only reached when every account of the tiers above failed or is unavailable), then the strategy
 * inside each tier. Input order is config order.
 * Whatever the strategy, a half-open account whose probe is free goes first in its tier: the request is its
 * probe, and without one it would stay half-open for as long as the other accounts keep answering. Only one
 * such account goes first (one request is not made to probe several); the others wait at the end of the tier.
 */
export function orderCandidates(
  strategy: RoutingStrategy,
  views: readonly CandidateView[],
  rotation: RotationState,
): CandidateView[] {
  if (views.length <= 1) return [...views]; // one account serves the model: nothing to order (it gets the probe too)
  const tiers = new Map<number, CandidateView[]>();
  for (const v of views) {
    const p = v.account.priority ?? 0;
    const tier = tiers.get(p);
    if (tier) tier.push(v);
    else tiers.set(p, [v]);
  }
  const out: CandidateView[] = [];
  for (const p of [...tiers.keys()].sort((a, b) => a - b)) out.push(...probeFirst(orderTier(strategy, tiers.get(p)!, rotation)));
  return out;
}

function probeFirst(tier: CandidateView[]): CandidateView[] {
  if (!tier.some((v) => v.probe)) return tier;
  const probes = tier.filter((v) => v.probe);
  return [probes[0]!, ...tier.filter((v) => !v.probe), ...probes.slice(1)];
}

function orderTier(strategy: RoutingStrategy, tier: CandidateView[], rotation: RotationState): CandidateView[] {
  if (tier.length <= 1) return tier;
  const key = `${strategy}\u0000${tier.map((v) => v.account.id).join("\u0000")}`;
  switch (strategy) {
    case "priority":
      return tier;
    case "weighted-round-robin":
      return smoothWeighted(tier, key, rotation);
    case "least-latency":
      // Unmeasured accounts first (they must be measured once); ties spread by rotation.
      return stableSort(rotate(tier, key, rotation), (v) => v.ewmaTtfbMs ?? -1);
    case "least-in-flight":
      return stableSort(rotate(tier, key, rotation), (v) => v.inFlight);
    case "health-first": {
      // Accounts that failed less than base_open_time ago go after the clean ones (probes are moved first
      // afterwards). Each group rotates on its own so clean accounts share the load evenly.
      const n = nextTurn(key, rotation);
      return [...rotateBy(tier.filter((v) => !v.recentlyFailed), n), ...rotateBy(tier.filter((v) => v.recentlyFailed), n)];
    }
  }
}

function nextTurn(key: string, rotation: RotationState): number {
  const n = rotation.counters.get(key) ?? 0;
  if (!rotation.counters.has(key) && rotation.counters.size >= MAX_POOLS) rotation.counters.clear();
  rotation.counters.set(key, (n + 1) % 1_000_000_007);
  return n;
}

function rotateBy<T>(items: T[], n: number): T[] {
  if (items.length <= 1) return items;
  const start = n % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

function rotate(tier: CandidateView[], key: string, rotation: RotationState): CandidateView[] {
  return rotateBy(tier, nextTurn(key, rotation));
}

/**
 * nginx's smooth weighted round-robin: each pick adds every weight to its credit, takes the highest credit
 * and subtracts the total from it. Picks are spread evenly (5,1,1 gives a a b a c a a, not a a a a a b c).
 * The rest of the order (failover) is by remaining credit; weight 0 accounts are standby, always last.
 */
function smoothWeighted(tier: CandidateView[], key: string, rotation: RotationState): CandidateView[] {
  let credits = rotation.credits.get(key);
  if (!credits) {
    if (rotation.credits.size >= MAX_POOLS) rotation.credits.clear();
    credits = new Map();
    rotation.credits.set(key, credits);
  }
  const weight = (v: CandidateView) => Math.max(0, v.account.weight ?? 1);
  const active = tier.filter((v) => weight(v) > 0);
  const standby = tier.filter((v) => weight(v) === 0);
  if (active.length === 0) return rotate(tier, key, rotation);
  let total = 0;
  for (const v of active) {
    total += weight(v);
    credits.set(v.account.id, (credits.get(v.account.id) ?? 0) + weight(v));
  }
  const byCredit = stableSort(active, (v) => -(credits.get(v.account.id) ?? 0));
  const chosen = byCredit[0];
  credits.set(chosen.account.id, (credits.get(chosen.account.id) ?? 0) - total);
  return [...byCredit, ...standby];
}

function stableSort<T>(items: T[], score: (item: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, s: score(item) }))
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.item);
}
