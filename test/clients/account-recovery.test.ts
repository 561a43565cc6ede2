/**
 * An account that failed comes back, seen from the official clients: with three accounts, a broken one that is
 * fixed serves again within base_open_time of its last failure (plus one request) while the others stay healthy;
 * with every account out because of its breaker, panic mode still tries one instead of refusing the request.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ask, type FaultGateway, startFaultGateway, thrown } from "./fault-gateway.ts";

let g: FaultGateway | undefined;
afterEach(async () => {
  await g?.stop();
  g = undefined;
});

const ok = (text: string) => ({ mode: "ok" as const, text });

describe("recovery while the other accounts are healthy (health-first, default breaker settings)", () => {
  for (const client of ["openai", "anthropic"] as const) {
    test(`${client}: A fails until its breaker opens, B and C serve; A is fixed and serves again within 10 s of its last failure + one request`, async () => {
      const gw = (g = await startFaultGateway([
        { kind: "openai-compatible", mode: "500" },
        { kind: "anthropic", mode: ok("from B") },
        { kind: "openai-compatible", mode: ok("from C") },
      ]));
      const [a] = gw.upstreams;
      // One request every 2 s: A is tried whenever its turn comes and it is not held back after a failure.
      for (let i = 0; i < 200 && gw.router.status("up_a").state !== "circuit_open"; i++) {
        expect(["from B", "from C"]).toContain(await ask(gw, client));
        gw.advance(2000);
      }
      expect(gw.router.status("up_a").state).toBe("circuit_open");
      expect(a!.requests.length).toBe(5); // failure_threshold

      a!.setMode(ok("from A"));
      const lastFailure = gw.router.status("up_a").lastFailure!.at;
      let servedAt: number | undefined;
      for (let i = 0; i < 30 && servedAt === undefined; i++) {
        gw.advance(1000);
        if ((await ask(gw, client)) === "from A") servedAt = gw.now();
      }
      expect(servedAt).toBeDefined();
      expect(servedAt! - lastFailure).toBeLessThanOrEqual(10_000 + 1000);
      expect(gw.router.status("up_a")).toMatchObject({ state: "healthy", breaker: "closed" });
      // Back in the rotation: one round of three requests reaches every account.
      const round = [await ask(gw, client), await ask(gw, client), await ask(gw, client)];
      expect(round.sort()).toEqual(["from A", "from B", "from C"]);
    });
  }
});

describe("panic mode", () => {
  for (const client of ["openai", "anthropic"] as const) {
    test(`${client}: one account whose breaker is open still gets the request; it works again, so the breaker closes`, async () => {
      const gw = (g = await startFaultGateway([{ kind: "anthropic", mode: "500" }], { failure_threshold: 1 }));
      const [a] = gw.upstreams;
      expect((await thrown(ask(gw, client))).status).toBe(500); // the upstream's own answer
      expect(gw.router.status("up_a").state).toBe("circuit_open");
      a!.setMode(ok("from A"));
      expect(await ask(gw, client)).toBe("from A"); // no time passed: not refused on the strength of that failure
      expect(gw.router.status("up_a")).toMatchObject({ state: "healthy", breaker: "closed" });
    });

    test(`${client}: one account, panic mode off: refused with 503 and Retry-After until the open period ends`, async () => {
      const gw = (g = await startFaultGateway([{ kind: "openai-compatible", mode: "500" }], { failure_threshold: 1, panic_mode: false }));
      const [a] = gw.upstreams;
      expect((await thrown(ask(gw, client))).status).toBe(500);
      a!.setMode(ok("from A"));
      const err = await thrown(ask(gw, client));
      expect(err.status).toBe(503);
      expect(err.headers.get("retry-after")).toBe("10");
      expect(a!.requests.length).toBe(1);
      gw.advance(10_000);
      expect(await ask(gw, client)).toBe("from A"); // the half-open probe
    });

    test(`${client}: three accounts all open: each request tries the one whose open period ends soonest`, async () => {
      const gw = (g = await startFaultGateway(
        [
          { kind: "openai-compatible", mode: "500" },
          { kind: "anthropic", mode: "500" },
          { kind: "openai-compatible", mode: "500" },
        ],
        { failure_threshold: 1, strategy: "priority" },
        { max_attempts: 1 },
      ));
      // A, B and C open one second apart (one account per request).
      for (let i = 0; i < 3; i++) {
        expect((await thrown(ask(gw, client))).status).toBe(500);
        gw.advance(1000);
      }
      expect(gw.upstreams.map((u) => u.requests.length)).toEqual([1, 1, 1]);
      gw.upstreams[2]!.setMode(ok("from C"));
      // A reopens soonest, then B (each fails again and re-opens for longer), then C, which works.
      expect((await thrown(ask(gw, client))).status).toBe(500);
      expect(gw.upstreams.map((u) => u.requests.length)).toEqual([2, 1, 1]);
      expect((await thrown(ask(gw, client))).status).toBe(500);
      expect(gw.upstreams.map((u) => u.requests.length)).toEqual([2, 2, 1]);
      expect(await ask(gw, client)).toBe("from C");
      expect(gw.router.status("up_c").state).toBe("healthy");
      expect(await ask(gw, client)).toBe("from C"); // C is eligible again: an ordinary plan
      expect(gw.upstreams.map((u) => u.requests.length)).toEqual([2, 2, 3]);
    });
  }
});
