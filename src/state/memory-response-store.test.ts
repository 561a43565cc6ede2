import { expect, test } from "bun:test";
import { createMemoryResponseStore } from "./memory-response-store.ts";
import type { StoredResponse } from "./response-store.ts";

const record = (id: string, owner = "k1", size = 10): StoredResponse => ({
  id,
  owner,
  createdAt: 0,
  response: `{"id":"${id}"}`,
  items: JSON.stringify([{ id: `msg_${id}`, type: "message", pad: "x".repeat(size) }]),
  itemIds: [`msg_${id}`],
});

test("only the owner reads, finds items and deletes", async () => {
  const s = createMemoryResponseStore({ maxEntries: 10, maxChars: 100_000, ttlMs: 1000 });
  await s.put(record("a"));
  expect((await s.get("k1", "a"))?.id).toBe("a");
  expect(await s.get("k2", "a")).toBeUndefined();
  expect(await s.item("k1", "msg_a")).toMatchObject({ id: "msg_a", type: "message" });
  expect(await s.item("k2", "msg_a")).toBeUndefined();
  expect(await s.delete("k2", "a")).toBe(false);
  expect(await s.delete("k1", "a")).toBe(true);
  expect(await s.get("k1", "a")).toBeUndefined();
  expect(await s.item("k1", "msg_a")).toBeUndefined();
});

test("entries expire after their time to live", async () => {
  let now = 0;
  const s = createMemoryResponseStore({ maxEntries: 10, maxChars: 100_000, ttlMs: 1000, clock: () => now });
  await s.put(record("a"));
  now = 999;
  expect(await s.get("k1", "a")).toBeDefined();
  now = 1000;
  expect(await s.get("k1", "a")).toBeUndefined();
});

test("bounded in entries and characters: the least recently used go first; an outsized record is not kept", async () => {
  const s = createMemoryResponseStore({ maxEntries: 3, maxChars: 8_000, ttlMs: 60_000 });
  for (const id of ["a", "b", "c"]) await s.put(record(id));
  await s.get("k1", "a"); // a is now the most recently used
  await s.put(record("d"));
  expect(await s.get("k1", "b")).toBeUndefined();
  expect(await s.get("k1", "a")).toBeDefined();
  // 900 characters each: the character budget (8,000) holds fewer than the three entries allowed.
  const big = createMemoryResponseStore({ maxEntries: 100, maxChars: 8_000, ttlMs: 60_000 });
  for (let i = 0; i < 12; i++) await big.put(record(`r${i}`, "k1", 850));
  const kept = (await Promise.all(Array.from({ length: 12 }, (_, i) => big.get("k1", `r${i}`)))).filter(Boolean).length;
  expect(kept).toBeLessThan(10);
  expect(await big.get("k1", "r11")).toBeDefined();
  await big.put(record("huge", "k1", 2000));
  expect(await big.get("k1", "huge")).toBeUndefined();
});
