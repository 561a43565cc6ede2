import { expect, test } from "bun:test";
import { runMicro } from "./micro.ts";

test("the converter microbench runs every case and checks the converted streams end properly", () => {
  const r = runMicro(5);
  expect(r.cases.length).toBe(25);
  for (const c of r.cases) expect(c.opsPerSec).toBeGreaterThan(0);
  const streams = r.cases.filter((c) => c.name.startsWith("stream"));
  expect(streams.length).toBe(12);
  for (const c of streams) expect(c.eventsPerSec).toBeGreaterThan(0);
});
