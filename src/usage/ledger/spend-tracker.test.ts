import { describe, expect, test } from "bun:test";
import { usageRow } from "./__fixtures__/rows.ts";
import { createSpendTracker } from "./spend-tracker.ts";

describe("spend tracker", () => {
  const jan15 = Date.UTC(2026, 0, 15, 12);

  test("sums per key and per account in the current UTC day and month; unknown costs counted apart", () => {
    let now = jan15;
    const t = createSpendTracker(() => now);
    t.add(usageRow({ time: jan15, keyId: "k1", accountId: "a1", costUsd: 1.25 }));
    t.add(usageRow({ time: jan15 + 1000, keyId: "k1", accountId: "a2", costUsd: 0.75 }));
    t.add(usageRow({ time: jan15 + 2000, keyId: "k1", accountId: "a1", costUsd: null }));
    t.add(usageRow({ time: jan15 + 3000, keyId: null, accountId: "a1", costUsd: 2 }));
    expect(t.spendOf("key", "k1")).toEqual({
      dayUsd: 2,
      monthUsd: 2,
      dayUnpriced: 1,
      monthUnpriced: 1,
      dayResetsAt: Date.UTC(2026, 0, 16),
      monthResetsAt: Date.UTC(2026, 1, 1),
    });
    expect(t.spendOf("account", "a1")).toMatchObject({ dayUsd: 3.25, monthUsd: 3.25, dayUnpriced: 1 });
    expect(t.spendOf("key", "nobody")).toMatchObject({ dayUsd: 0, monthUsd: 0 });
  });

  test("windows roll over by themselves: the day at midnight, the month on the first", () => {
    let now = Date.UTC(2026, 0, 31, 23, 59);
    const t = createSpendTracker(() => now);
    t.add(usageRow({ time: now, keyId: "k", costUsd: 5 }));
    now = Date.UTC(2026, 1, 1, 0, 1);
    expect(t.spendOf("key", "k")).toMatchObject({ dayUsd: 0, monthUsd: 0, monthResetsAt: Date.UTC(2026, 2, 1) });
    t.add(usageRow({ time: now, keyId: "k", costUsd: 1 }));
    expect(t.spendOf("key", "k")).toMatchObject({ dayUsd: 1, monthUsd: 1 });
    now = Date.UTC(2026, 1, 2, 8);
    expect(t.spendOf("key", "k")).toMatchObject({ dayUsd: 0, monthUsd: 1 });
  });

  test("a late row of an earlier day counts in its month only; a baseline for a past window is ignored", () => {
    const now = Date.UTC(2026, 0, 20, 10);
    const t = createSpendTracker(() => now);
    t.add(usageRow({ time: now, keyId: "k", costUsd: 1 }));
    t.add(usageRow({ time: Date.UTC(2026, 0, 19, 23, 59), keyId: "k", costUsd: 10 }));
    expect(t.spendOf("key", "k")).toMatchObject({ dayUsd: 1, monthUsd: 11 });
    t.addBaseline("key", "k", "day", { windowStart: Date.UTC(2026, 0, 20), usd: 4, unpriced: 2 });
    t.addBaseline("key", "k", "month", { windowStart: Date.UTC(2026, 0, 1), usd: 40, unpriced: 3 });
    t.addBaseline("key", "k", "day", { windowStart: Date.UTC(2026, 0, 19), usd: 100, unpriced: 0 });
    expect(t.spendOf("key", "k")).toMatchObject({ dayUsd: 5, monthUsd: 51, dayUnpriced: 2, monthUnpriced: 3 });
  });
});
