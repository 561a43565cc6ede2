import type { Config } from "../config/schema.ts";
import { createActiveProber, type ActiveProber } from "../routing/active-probes.ts";
import { createRouter, type Router, type RouterDeps } from "../routing/router.ts";
import type { UpstreamDeps } from "../upstream/call-account.ts";
import { createAccountProbe } from "./probe-account.ts";
import { routingOptionsFromConfig } from "./routing-options-from-config.ts";

export interface RoutingRuntimeDeps {
  /** The configuration at start (breaker and cooldown settings are read once, from it). */
  initial: Config;
  /** The live configuration (accounts for probes, read each round). */
  config(): Config;
  clock: () => number;
  /** A ready router (tests); default: one built from `initial.routing`. */
  router?: Router;
  /** What the probes call accounts with (the proxy's own fetches and credentials). */
  upstream: UpstreamDeps;
  /** Accounts held out of rotation besides their health (spend caps, spend-caps.ts); for the default router. */
  hold?: RouterDeps["hold"];
  /** Sharing with other gateway processes (src/cluster/); for the default router. */
  sharing?: RouterDeps["sharing"];
}

export interface RoutingRuntime {
  router: Router;
  /** Undefined when routing.probe_interval is 0. */
  prober?: ActiveProber;
  /**
   * Call with every reloaded configuration: accounts removed from the file are forgotten, accounts that are
   * routable again (enabled, or logged in again) start with a clean health record.
   */
  onConfigChange(next: Config): void;
  start(): void;
  stop(): void;
}

/** The server's routing parts: the router from the file's `routing` section, the active prober, reload upkeep. */
export function createRoutingRuntime(deps: RoutingRuntimeDeps): RoutingRuntime {
  const router = deps.router ?? createRouter({ clock: deps.clock, options: routingOptionsFromConfig(deps.initial.routing), hold: deps.hold, sharing: deps.sharing });
  let known = routableById(deps.initial);
  const intervalMs = deps.initial.routing.probe_interval * 1000;
  const prober =
    intervalMs > 0
      ? createActiveProber({
          router,
          accounts: () => deps.config().upstream_accounts,
          probe: createAccountProbe({ ...deps.upstream, config: deps.config }),
          intervalMs,
        })
      : undefined;
  return {
    router,
    prober,
    onConfigChange(next) {
      const now = routableById(next);
      // A removed account's breaker, cooldown and auth state must not haunt a new account given the same id.
      for (const id of known.keys()) if (!now.has(id)) router.registry.forget(id);
      // The operator enabled the account again (or logged it in again) after dealing with whatever made it fail:
      // it is tried at once, not held back by failures from before.
      for (const [id, routable] of now) if (routable && known.get(id) === false) router.registry.reset(id);
      known = now;
    },
    start: () => prober?.start(),
    stop: () => prober?.stop(),
  };
}

/** Each account id with whether routing may use it (enabled, not waiting for a new login). */
function routableById(config: Config): Map<string, boolean> {
  return new Map(config.upstream_accounts.map((a) => [a.id, a.status !== "disabled" && !a.oauth?.needs_reauth]));
}
