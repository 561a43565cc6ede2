import type { UpstreamAccount } from "../config/schema.ts";
import type { UpstreamOutcome } from "./classify-outcome.ts";
import type { Router } from "./router.ts";

/**
 * Optional active health checks. Each round probes the accounts the router says are due (failing auth
 * with an unchanged credential, or half-open with no probe out), so an account can come back without
 * risking a client's request on it. The probe itself (a cheap upstream call, e.g. listing models) is the
 * server's: it resolves to the outcome, never throws for upstream failures.
 */
export interface ActiveProber {
  /** One round, now. Resolves when every probe reported. */
  runOnce(): Promise<{ accountId: string; outcome: UpstreamOutcome }[]>;
  start(): void;
  stop(): void;
}

export interface ActiveProberDeps {
  router: Router;
  /** The live account list (read each round, so config reloads apply). */
  accounts: () => readonly UpstreamAccount[];
  probe: (account: UpstreamAccount) => Promise<UpstreamOutcome>;
  intervalMs: number;
  /** Injected timers so tests drive rounds by hand (default: setInterval/clearInterval, unref'd). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export function createActiveProber(deps: ActiveProberDeps): ActiveProber {
  const setTimer =
    deps.setTimer ??
    ((fn: () => void, ms: number) => {
      const t = setInterval(fn, ms);
      t.unref?.();
      return t;
    });
  const clearTimer = deps.clearTimer ?? ((h: unknown) => clearInterval(h as ReturnType<typeof setInterval>));
  let handle: unknown;
  let running: Promise<unknown> | undefined;

  async function runOnce() {
    const due = deps.router.probeDue(deps.accounts());
    const results = await Promise.all(
      due.map(async (account) => {
        if (!deps.router.begin(account.id, { probe: true })) return undefined;
        let outcome: UpstreamOutcome;
        try {
          outcome = await deps.probe(account);
        } catch {
          outcome = { kind: "network" };
        }
        // Report before ending: end() on a half-open account frees the probe slot.
        deps.router.report(account.id, outcome);
        deps.router.end(account.id);
        return { accountId: account.id, outcome };
      }),
    );
    return results.filter((r): r is { accountId: string; outcome: UpstreamOutcome } => r !== undefined);
  }

  return {
    runOnce,
    start() {
      if (handle !== undefined) return;
      handle = setTimer(() => {
        // Rounds never overlap: a slow probe makes the next round wait its turn.
        if (!running) running = runOnce().finally(() => (running = undefined));
      }, deps.intervalMs);
    },
    stop() {
      if (handle !== undefined) clearTimer(handle);
      handle = undefined;
    },
  };
}
