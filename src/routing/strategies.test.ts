import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../config/schema.ts";
import { type CandidateView, createRotationState, orderCandidates } from "./strategies.ts";

const acct = (id: string, extra: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  id,
  name: id,
  type: "api-key",
  provider: "openai",
  weight: 1,
  priority: 0,
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
  ...extra,
});
const view = (account: UpstreamAccount, extra: Partial<CandidateView> = {}): CandidateView => ({
  account,
  probe: false,
  recentlyFailed: false,
  inFlight: 0,
  ...extra,
});
const ids = (vs: CandidateView[]) => vs.map((v) => v.account.id).join("");
const firsts = (n: number, f: () => CandidateView[]) => Array.from({ length: n }, () => f()[0].account.id).join("");

describe("strategies", () => {
  test("health-first: round-robin, recently failed accounts after clean ones", () => {
    const rot = createRotationState();
    const views = [view(acct("a")), view(acct("b")), view(acct("c"))];
    expect(firsts(6, () => orderCandidates("health-first", views, rot))).toBe("abcabc");
    const withFailure = [view(acct("a")), view(acct("b"), { recentlyFailed: true }), view(acct("c"))];
    const rot2 = createRotationState();
    expect(ids(orderCandidates("health-first", withFailure, rot2))).toBe("acb");
    expect(ids(orderCandidates("health-first", withFailure, rot2))).toBe("cab");
    expect(ids(orderCandidates("health-first", withFailure, rot2))).toBe("acb");
    expect(ids(orderCandidates("health-first", withFailure, rot2))).toBe("cab");
  });

  test("weighted round-robin is smooth and honours weights; weight 0 is standby", () => {
    const rot = createRotationState();
    const views = [view(acct("a", { weight: 5 })), view(acct("b", { weight: 1 })), view(acct("c", { weight: 1 })), view(acct("z", { weight: 0 }))];
    const picks = firsts(14, () => orderCandidates("weighted-round-robin", views, rot));
    expect(picks).toBe("aabacaaaabacaa");
    expect([...picks].filter((c) => c === "a").length).toBe(10);
    expect(orderCandidates("weighted-round-robin", views, rot).at(-1)!.account.id).toBe("z");
  });

  test("priority tiers: lower number first, always, for every strategy", () => {
    const views = [view(acct("backup", { priority: 1 })), view(acct("p1")), view(acct("p2")), view(acct("last", { priority: 9 }))];
    for (const s of ["health-first", "weighted-round-robin", "priority", "least-latency", "least-in-flight"] as const) {
      const order = ids(orderCandidates(s, views, createRotationState()));
      expect(order.endsWith("backuplast")).toBe(true);
    }
  });

  test("priority strategy: config order inside a tier, no rotation", () => {
    const rot = createRotationState();
    const views = [view(acct("a")), view(acct("b")), view(acct("c"))];
    expect(firsts(3, () => orderCandidates("priority", views, rot))).toBe("aaa");
  });

  test("least-latency: unmeasured first, then lowest average; ties rotate", () => {
    const rot = createRotationState();
    const views = [view(acct("a"), { ewmaTtfbMs: 300 }), view(acct("b"), { ewmaTtfbMs: 100 }), view(acct("c"))];
    expect(ids(orderCandidates("least-latency", views, rot))).toBe("cba");
    const ties = [view(acct("a"), { ewmaTtfbMs: 100 }), view(acct("b"), { ewmaTtfbMs: 100 })];
    expect(firsts(4, () => orderCandidates("least-latency", ties, rot))).toBe("abab");
  });

  test("least-in-flight", () => {
    const rot = createRotationState();
    const views = [view(acct("a"), { inFlight: 4 }), view(acct("b"), { inFlight: 1 }), view(acct("c"), { inFlight: 2 })];
    expect(ids(orderCandidates("least-in-flight", views, rot))).toBe("bca");
  });

  test("a half-open account with its probe free goes first in its tier, whatever the strategy; one per request", () => {
    const views = [
      view(acct("a")),
      view(acct("b"), { probe: true, ewmaTtfbMs: 900, inFlight: 5 }),
      view(acct("c"), { recentlyFailed: true }),
      view(acct("d"), { probe: true }),
      view(acct("backup", { priority: 1 }), { probe: true }),
    ];
    for (const s of ["health-first", "weighted-round-robin", "priority", "least-latency", "least-in-flight"] as const) {
      const order = orderCandidates(s, views, createRotationState()).map((v) => v.account.id);
      // The strategy picks which probe goes first (least-latency: the unmeasured d); the other waits at the end
      // of its tier, and the tiers stay as they are.
      const [first, other] = order[0] === "b" ? ["b", "d"] : ["d", "b"];
      expect(order[0]).toBe(first);
      expect(order.slice(-2)).toEqual([other, "backup"]);
    }
    // health-first: the account that failed recently is behind the clean one.
    expect(ids(orderCandidates("health-first", views, createRotationState()))).toBe("bacdbackup");
  });
});
