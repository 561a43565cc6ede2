/**
 * How fast an account that failed gets traffic again, through the real router and failover loop with an
 * injected clock: the timeline of three accounts where one breaks for a while and is then fixed.
 */
import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { runWithFailover } from "./failover.ts";
import { createRouter, type RoutingTable } from "./router.ts";
import type { RoutingOptions } from "./routing-options.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");
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
const config: RoutingTable = { accounts: [acct("a"), acct("b"), acct("c")], routes: [], strategy: "health-first" };

/** Three accounts behind the default settings (breaker after 5 failures, 10 s open, health-first). */
function rig(options: Partial<RoutingOptions> = {}) {
  let now = T0;
  const clock = () => now;
  const router = createRouter({ clock, options });
  const broken = new Set<string>();
  const served: { at: number; by: string }[] = [];
  const failed: { at: number; by: string }[] = [];
  /** One request; `gate` holds every attempt until it resolves (concurrent requests). */
  const request = async (gate?: Promise<void>) => {
    const r = await runWithFailover(router, clock, { config, model: "gpt-4o", maxAttempts: 3 }, async (ctx) => {
      if (gate) await gate;
      if (broken.has(ctx.account.id)) {
        failed.push({ at: now, by: ctx.account.id });
        ctx.report({ kind: "http", status: 500, headers: new Headers() });
        throw new GatewayError(500, "upstream_error", `upstream ${ctx.account.id} failed`);
      }
      served.push({ at: now, by: ctx.account.id });
      return ctx.account.id;
    });
    r.release();
    return r.value;
  };
  return { router, broken, served, failed, request, advance: (ms: number) => (now += ms), now: () => now };
}

describe("an account that failed comes back", () => {
  test("A fails 20 requests in a burst (B and C fine), is fixed: A serves again within base_open_time of its last failure + one request", async () => {
    const r = rig();
    r.broken.add("a");
    // A burst of concurrent requests: about a third land on A first, all of them fail over to B or C.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const burst = Array.from({ length: 60 }, () => r.request(gate));
    open();
    expect(new Set(await Promise.all(burst))).toEqual(new Set(["b", "c"]));
    expect(r.failed.filter((f) => f.by === "a").length).toBe(20);
    expect(r.router.status("a").state).toBe("circuit_open");
    const lastFailure = Math.max(...r.failed.map((f) => f.at));

    r.broken.delete("a");
    const step = 100;
    let firstServedByA: number | undefined;
    for (let t = 0; t < 30_000 && firstServedByA === undefined; t += step) {
      r.advance(step);
      if ((await r.request()) === "a") firstServedByA = r.now();
    }
    expect(firstServedByA).toBeDefined();
    expect(firstServedByA! - lastFailure).toBeLessThanOrEqual(10_000 + step);
    // The probe closed the breaker: A is back in the rotation, not just tolerated.
    expect(r.router.status("a")).toMatchObject({ state: "healthy", breaker: "closed" });
    const next = await Promise.all([r.request(), r.request(), r.request()]);
    expect(next.sort()).toEqual(["a", "b", "c"]);
  });

  test("one failure below the breaker's threshold: A is behind B and C for base_open_time, then back in the rotation", async () => {
    const r = rig();
    r.broken.add("a");
    expect(await r.request()).toBe("b"); // A first in the rotation, failed over
    r.broken.delete("a");
    const lastFailure = r.now();
    const before: string[] = [];
    for (let i = 0; i < 9; i++) {
      r.advance(1000);
      before.push(await r.request());
    }
    expect(before).not.toContain("a"); // still within 10 s of its failure: clean accounts first
    r.advance(1000);
    const after: string[] = [];
    for (let i = 0; i < 3; i++) after.push(await r.request());
    expect(r.now() - lastFailure).toBe(10_000);
    expect(after).toContain("a"); // one round of the rotation
  });

  test("a half-open account gets its probe while the others are healthy, one probe at a time; a failed probe re-opens it for longer", async () => {
    const r = rig({ failureThreshold: 1 });
    r.broken.add("a");
    expect(await r.request()).toBe("b");
    expect(r.router.status("a").state).toBe("circuit_open");
    r.advance(10_000);
    expect(r.router.status("a").state).toBe("half_open");
    // Two requests at once: the first is A's probe, the second does not wait for it and goes elsewhere.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const both = [r.request(gate), r.request(gate)];
    open();
    for (const by of await Promise.all(both)) expect(["b", "c"]).toContain(by);
    expect(r.failed.filter((f) => f.by === "a").length).toBe(2); // the first failure and one probe
    expect(r.router.status("a")).toMatchObject({ state: "circuit_open", until: r.now() + 20_000 });
    r.broken.delete("a");
    r.advance(20_000);
    expect(await r.request()).toBe("a");
    expect(r.router.status("a").state).toBe("healthy");
  });
});
