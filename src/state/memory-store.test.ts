import { expect, test } from "bun:test";
import { createMemoryStore } from "./memory-store.ts";

test("hit: one by default, any amount with `by`, 0 reads without adding; a new window starts at 0", async () => {
  let now = 60_000 * 10 + 5_000;
  const store = createMemoryStore(() => now);
  expect(await store.hit("k", 60_000)).toEqual({ count: 1, resetAt: 60_000 * 11 });
  expect(await store.hit("k", 60_000, 120)).toEqual({ count: 121, resetAt: 60_000 * 11 });
  expect(await store.hit("k", 60_000, 0)).toEqual({ count: 121, resetAt: 60_000 * 11 });
  now = 60_000 * 11;
  expect(await store.hit("k", 60_000, 0)).toEqual({ count: 0, resetAt: 60_000 * 12 });
});
