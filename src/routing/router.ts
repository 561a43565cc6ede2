import type { Provider, UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { accountFingerprint } from "./account-fingerprint.ts";
import type { UpstreamOutcome } from "./classify-outcome.ts";
import { type AccountStatus, createHealthRegistry, type HealthRegistry, type SharedHealthEvent } from "./health-registry.ts";
import { resolveRoute, type ResolvedRoute, type RouteRule } from "./resolve-route.ts";
import { resolveRoutingOptions, type RoutingOptions, type RoutingStrategy } from "./routing-options.ts";
import { describeServedModels, servesModel } from "./serves-model.ts";
import { createStickySessions } from "./sticky-sessions.ts";
import { type CandidateView, createRotationState, orderCandidates } from "./strategies.ts";

/** The slice of configuration the router reads on every request (pass the live config: a reload replaces these lists, never edits them). */
export interface RoutingTable {
  accounts: readonly UpstreamAccount[];
  routes: readonly RouteRule[];
  /** Global strategy; a route's own `strategy` wins. Default: options.strategy, else `health-first`. */
  strategy?: RoutingStrategy;
}

export interface PlanOptions {
  /** Sticky-routing key (see session-key.ts). */
  sessionKey?: string;
  /** Only accounts of this provider (wins over a route's `target_provider`). */
  provider?: Provider;
  /** false: never answer with a panic plan, throw instead (default: options.panicMode). */
  panic?: boolean;
}

export interface RoutePlan {
  /** Model name to send upstream (after model routes). */
  targetModel: string;
  /**
   * Eligible accounts, best first: try them in this order (a half-open account due its probe leads its tier, see
   * orderCandidates). Never empty.
   */
  candidates: UpstreamAccount[];
  /** Accounts that serve the model but are unavailable now, with their status (for logs). */
  excluded: { account: UpstreamAccount; status: AccountStatus }[];
  routeId?: string;
  strategy: RoutingStrategy;
  /** Pass to report() with the success so the session sticks to the account that served it. */
  stickyKey?: string;
  /**
   * Panic mode: no account was eligible, and `candidates` are the ones out only because of their breaker, the
   * soonest to reopen first. Claim them with begin(id, { panic: true }).
   */
  panic?: boolean;
}

export interface Router {
  /**
   * Picks the accounts for one request. Throws GatewayError 404 (`not_found`) when no enabled account
   * serves the model, 429 (`rate_limited`) when every serving account is rate-limited, 503
   * (`unavailable`) when they are all cooling, open or failing auth; `retryAfter` (seconds) is the
   * earliest recovery when one is known. In panic mode, accounts out only because of their breaker make a
   * panic plan instead of the 503 (see RoutePlan.panic).
   */
  plan(config: RoutingTable, model: string, opts?: PlanOptions): RoutePlan;
  /**
   * Before plan(), when sessions are shared between gateway processes: a promise to await while the session's binding
   * is looked up (a conversation this process has not seen yet); undefined when there is nothing to wait for.
   */
  prepare(config: RoutingTable, model: string, opts?: PlanOptions): Promise<void> | undefined;
  /** Binds a session as another gateway process did (RouterSharing.sticky's key), without telling anyone. */
  applySticky(key: string, accountId: string): void;
  /** Claims a request slot on the account (see HealthRegistry.begin); skip the account when false. */
  begin(accountId: string, opts?: { probe?: boolean; panic?: boolean }): boolean;
  /** Releases the slot taken by begin(); call exactly once per successful begin(). */
  end(accountId: string): void;
  /** Records an attempt's outcome. `stickyKey` (from the plan) with a success binds the session. */
  report(accountId: string, outcome: UpstreamOutcome, stickyKey?: string): void;
  status(accountId: string): AccountStatus;
  /** Accounts due an active probe: failing auth with an unchanged credential, or half-open with no probe out. */
  probeDue(accounts: readonly UpstreamAccount[]): UpstreamAccount[];
  readonly registry: HealthRegistry;
  readonly options: RoutingOptions;
}

/** An account held out of rotation by something outside its health: its spend cap (src/runtime/spend-caps.ts). */
export interface AccountHold {
  /** Epoch ms when it comes back by itself. */
  until: number;
  /** `spend_cap_daily`, `spend_cap_monthly`. */
  reason: string;
  /** One plain sentence for people. */
  detail: string;
}

/**
 * How a router shares with the other gateway processes (src/cluster/): it tells of what it saw, and asks for
 * bindings it does not know. Everything it tells runs on the request path: the callee must only queue the news.
 */
export interface RouterSharing {
  /** A change of an account's health this process saw (HealthRegistry's onShared). */
  health?(accountId: string, event: SharedHealthEvent): void;
  /** A conversation bound to an account: `changed` when it was unbound or bound elsewhere (else a refresh). */
  sticky?(key: string, accountId: string, changed: boolean): void;
  /** The account another process bound this conversation to, if any. */
  lookupSticky?(key: string): Promise<string | undefined> | undefined;
}

export interface RouterDeps {
  /** Epoch milliseconds (reset headers are absolute times). */
  clock: () => number;
  options?: Partial<RoutingOptions>;
  /**
   * Asked for every account that serves a requested model: a hold keeps it out of plans (panic plans too) until
   * it ends, and shows in status() as `spend_capped`. Runs on every request: keep it a lookup.
   */
  hold?: (accountId: string) => AccountHold | undefined;
  /** Sharing with other gateway processes; absent: everything stays in this process. */
  sharing?: RouterSharing;
}

interface Served {
  enabled: UpstreamAccount[];
  route: ResolvedRoute;
  provider: Provider | undefined;
  serving: UpstreamAccount[];
}

const SERVED_CACHE_SIZE = 1024;

export function createRouter(deps: RouterDeps): Router {
  const { clock, hold, sharing } = deps;
  const options = resolveRoutingOptions(deps.options);
  // One per process (the router is built once; a reload passes new account lists, not a new router).
  const registry = createHealthRegistry({ clock, options, onShared: sharing?.health });
  // Shared bindings are keyed by a digest: a session key may be a user's id, and it travels to the other processes.
  const stickyKeyOf = sharing?.sticky
    ? (sessionKey: string, targetModel: string) => new Bun.CryptoHasher("sha256").update(`${sessionKey}\u0000${targetModel}`).digest("base64url").slice(0, 32)
    : (sessionKey: string, targetModel: string) => `${sessionKey}\u0000${targetModel}`;
  const rotation = createRotationState();
  const sticky = createStickySessions({ clock, ttlMs: options.stickyTtlMs, maxEntries: options.stickyMaxEntries });

  /**
   * Which accounts serve a model depends only on the account and route lists, which a reload replaces (never
   * edits): it is worked out once per model name and list, not per request. Bounded: names come from clients.
   */
  let servedFor: { accounts: RoutingTable["accounts"]; routes: RoutingTable["routes"]; byModel: Map<string, Served> } | undefined;
  function served(config: RoutingTable, model: string, onlyProvider: Provider | undefined): Served {
    if (servedFor?.accounts !== config.accounts || servedFor.routes !== config.routes) {
      servedFor = { accounts: config.accounts, routes: config.routes, byModel: new Map() };
    }
    const key = onlyProvider ? `${onlyProvider}\u0000${model}` : model;
    let s = servedFor.byModel.get(key);
    if (s) return s;
    // An OAuth account whose refresh token was refused waits for a new login (`oauth start`); it is kept, not routed.
    const enabled = config.accounts.filter((a) => a.status !== "disabled" && !a.oauth?.needs_reauth);
    const serves = (a: UpstreamAccount, target: string, provider: Provider | undefined) =>
      (!provider || a.provider === provider) && servesModel(a, target);
    const route = resolveRoute(config.routes, model, (target, provider) =>
      enabled.some((a) => serves(a, target, onlyProvider ?? provider)),
    );
    const provider = onlyProvider ?? route.targetProvider;
    s = { enabled, route, provider, serving: enabled.filter((a) => serves(a, route.targetModel, provider)) };
    if (servedFor.byModel.size >= SERVED_CACHE_SIZE) servedFor.byModel.clear();
    servedFor.byModel.set(key, s);
    return s;
  }

  function plan(config: RoutingTable, model: string, opts: PlanOptions = {}): RoutePlan {
    const { enabled, route, provider, serving } = served(config, model, opts.provider);
    if (serving.length === 0) throw notServed(enabled, model, route.targetModel, provider);

    const views: CandidateView[] = [];
    const excluded: RoutePlan["excluded"] = [];
    for (const account of serving) {
      const held = hold?.(account.id);
      if (held === undefined && registry.eligible(account.id, accountFingerprint(account))) {
        const c = registry.candidate(account.id);
        views.push({ account, probe: c.probe, recentlyFailed: c.recentlyFailed, ewmaTtfbMs: c.ewmaTtfbMs, inFlight: c.inFlight });
      } else {
        excluded.push({ account, status: withHold(registry.status(account.id), held) });
      }
    }
    const strategy = route.strategy ?? config.strategy ?? options.strategy ?? "health-first";
    const stickyKey = opts.sessionKey ? stickyKeyOf(opts.sessionKey, route.targetModel) : undefined;
    if (views.length === 0) {
      const panic = (opts.panic ?? options.panicMode) ? panicCandidates(excluded) : [];
      if (panic.length === 0) throw unavailable(excluded, route.targetModel);
      return { targetModel: route.targetModel, candidates: panic, excluded, routeId: route.routeId, strategy, stickyKey, panic: true };
    }

    const orderedViews = orderCandidates(strategy, views, rotation);
    let ordered = orderedViews.map((v) => v.account);

    if (stickyKey) {
      const boundId = sticky.get(stickyKey);
      const topTier = ordered[0].priority ?? 0;
      const bound = ordered.find((a) => a.id === boundId);
      // Stick while the account is fully healthy and in the best available tier: once a higher tier is
      // back, the conversation returns to it (standby accounts are usually the costly ones). A half-open
      // account's probe (never the bound account: that one is healthy) still comes first: were every request
      // sticky, it would otherwise never get one.
      if (bound && (bound.priority ?? 0) === topTier && registry.status(bound.id).state === "healthy") {
        const rest = ordered.filter((a) => a !== bound);
        ordered = orderedViews[0].probe ? [rest[0]!, bound, ...rest.slice(1)] : [bound, ...rest];
      }
    }
    return { targetModel: route.targetModel, candidates: ordered, excluded, routeId: route.routeId, strategy, stickyKey };
  }

  /**
   * Panic mode (as Envoy's panic threshold): when every account is out, refusing the request helps no one, and a
   * breaker opened by an old failure may be out of date. Accounts that are cooling down (the upstream said when to
   * come back) or failing auth are not tried: those reasons do not go stale the same way.
   */
  function panicCandidates(excluded: RoutePlan["excluded"]): UpstreamAccount[] {
    const out: { account: UpstreamAccount; until: number }[] = [];
    for (const e of excluded) {
      // A spend cap is not stale the way a breaker may be: the money is spent.
      if (e.status.state === "spend_capped") continue;
      const until = registry.breakerOnlyUntil(e.account.id);
      if (until !== undefined) out.push({ account: e.account, until });
    }
    return out.sort((a, b) => a.until - b.until).map((c) => c.account);
  }

  function unavailable(excluded: RoutePlan["excluded"], targetModel: string): GatewayError {
    const now = clock();
    const recoveries = excluded
      .map((e) => (e.status.state === "spend_capped" ? e.status.until : registry.recoveryAt(e.account.id)))
      .filter((t): t is number => t !== undefined);
    const earliest = recoveries.length ? Math.min(...recoveries) : undefined;
    const retryAfter = earliest === undefined ? undefined : Math.max(1, Math.ceil((earliest - now) / 1000));
    const allRateLimited = excluded.every(
      (e) =>
        e.status.state === "spend_capped" ||
        (e.status.state === "cooling" && (e.status.reason === "rate_limited" || e.status.reason === "billing")),
    );
    const list = excluded.map((e) => `${e.account.name}: ${e.status.detail}`).join("; ");
    const message = `every upstream account for model ${targetModel} is unavailable (${list})`;
    return allRateLimited
      ? new GatewayError(429, "rate_limited", message, { retryable: true, retryAfter })
      : new GatewayError(503, "unavailable", message, { retryable: true, retryAfter });
  }

  function prepare(config: RoutingTable, model: string, opts: PlanOptions = {}): Promise<void> | undefined {
    const lookup = sharing?.lookupSticky;
    if (!lookup || !opts.sessionKey) return undefined;
    const { route, serving } = served(config, model, opts.provider);
    if (serving.length < 2) return undefined;
    const key = stickyKeyOf(opts.sessionKey, route.targetModel);
    if (sticky.get(key) !== undefined) return undefined;
    return lookup(key)?.then(
      (accountId) => {
        if (accountId !== undefined && sticky.get(key) === undefined) sticky.set(key, accountId);
      },
      () => undefined,
    );
  }

  return {
    plan,
    prepare,
    applySticky(key, accountId) {
      sticky.set(key, accountId);
    },
    begin: (id, o) => registry.begin(id, o),
    end: (id) => registry.end(id),
    report(accountId, outcome, stickyKey) {
      registry.report(accountId, outcome);
      if (stickyKey && outcome.kind === "success") {
        const changed = sticky.set(stickyKey, accountId);
        sharing?.sticky?.(stickyKey, accountId, changed);
      }
    },
    status: (id) => withHold(registry.status(id), hold?.(id)),
    probeDue(accounts) {
      return accounts.filter((a) => {
        if (a.status === "disabled") return false;
        // eligible() also notices a changed credential and clears the auth failure.
        registry.eligible(a.id, accountFingerprint(a));
        const s = registry.status(a.id);
        return s.state === "auth_failed" || (s.state === "half_open" && !s.probeInFlight);
      });
    },
    registry,
    options,
  };
}

/**
 * An account's status with its hold over it. An authentication failure still shows as such: it needs a person,
 * the spend cap only time.
 */
function withHold(status: AccountStatus, held: AccountHold | undefined): AccountStatus {
  if (!held || status.state === "auth_failed") return status;
  return { ...status, state: "spend_capped", until: held.until, reason: held.reason, detail: held.detail };
}

function notServed(
  enabled: readonly UpstreamAccount[],
  model: string,
  targetModel: string,
  provider: Provider | undefined,
): GatewayError {
  const asked = targetModel === model ? `model ${model}` : `model ${model} (routed to ${targetModel})`;
  const via = provider ? ` with provider ${provider}` : "";
  const served = enabled.map((a) => `${a.name} (${a.provider}): ${describeServedModels(a)}`).join("; ");
  const message = enabled.length
    ? `no enabled upstream account serves ${asked}${via}; served: ${served}`
    : `no enabled upstream account serves ${asked}${via}; there are no enabled upstream accounts`;
  return new GatewayError(404, "not_found", message, { param: "model" });
}
