import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { createActiveProber } from "./active-probes.ts";
import { createRouter } from "./router.ts";

const acct = (id: string): UpstreamAccount => ({
  id,
  name: id,
  type: "api-key",
  provider: "openai",
  weight: 1,
  priority: 0,
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
});

describe("active probes", () => {
  test("probes what is due; a passing probe restores the account", async () => {
    let now = 0;
    const router = createRouter({ clock: () => now, options: { failureThreshold: 1 } });
    const accounts = [acct("auth"), acct("broken"), acct("fine")];
    router.report("auth", { kind: "http", status: 401, headers: new Headers() });
    router.report("broken", { kind: "network" });
    const probed: string[] = [];
    const prober = createActiveProber({
      router,
      accounts: () => accounts,
      intervalMs: 1000,
      probe: async (a) => {
        probed.push(a.id);
        return a.id === "auth" ? { kind: "success", ttfbMs: 5 } : { kind: "timeout" };
      },
    });
    expect(await prober.runOnce()).toEqual([{ accountId: "auth", outcome: { kind: "success", ttfbMs: 5 } }]);
    expect(router.status("auth").state).toBe("healthy");
    expect(router.status("auth").inFlight).toBe(0);
    now = 10_000; // broken is half-open now
    await prober.runOnce();
    expect(probed).toEqual(["auth", "broken"]);
    expect(router.status("broken").state).toBe("circuit_open"); // the probe failed: open again, longer
    expect(router.status("broken").until).toBe(30_000);
  });

  test("a probe that throws counts as a network failure", async () => {
    const router = createRouter({ clock: () => 0 });
    router.report("a", { kind: "http", status: 403, headers: new Headers() });
    const prober = createActiveProber({
      router,
      accounts: () => [acct("a")],
      intervalMs: 1000,
      probe: async () => {
        throw new Error("boom");
      },
    });
    expect(await prober.runOnce()).toEqual([{ accountId: "a", outcome: { kind: "network" } }]);
    expect(router.status("a").state).toBe("auth_failed");
  });

  test("start/stop drive an injected timer", async () => {
    const router = createRouter({ clock: () => 0 });
    router.report("a", { kind: "http", status: 401, headers: new Headers() });
    let tick: (() => void) | undefined;
    let cleared = false;
    let probes = 0;
    let done!: () => void;
    const probed = new Promise<void>((r) => (done = r));
    const prober = createActiveProber({
      router,
      accounts: () => [acct("a")],
      intervalMs: 5000,
      probe: async () => {
        probes++;
        done();
        return { kind: "success" };
      },
      setTimer: (fn, ms) => {
        expect(ms).toBe(5000);
        tick = fn;
        return 1;
      },
      clearTimer: () => (cleared = true),
    });
    prober.start();
    tick!();
    await probed;
    expect(probes).toBe(1);
    prober.stop();
    expect(cleared).toBe(true);
  });
});
