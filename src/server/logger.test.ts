import { expect, test } from "bun:test";
import { createLogger } from "./logger.ts";

test("JSON lines are what JSON.stringify of the merged object gives, buffered and flushed", () => {
  let out = "";
  let now = Date.UTC(2026, 10, 27, 4, 0, 0, 123);
  const log = createLogger({ level: "info", format: "json", sink: { write: (t) => (out += t) }, clock: () => now });
  const cases: (Record<string, unknown> | undefined)[] = [
    { request_id: "req_1", status: 200, latency_ms: 0.12, model: 'a"b', skipped: undefined },
    {},
    undefined,
    { msg: "overrides", level: "x" },
    { nested: { a: [1, 2] }, unicode: "é😀\u2028" },
  ];
  const expected: string[] = [];
  for (const fields of cases) {
    log.log("info", "request", fields);
    expected.push(JSON.stringify({ time: new Date(now).toISOString(), level: "info", msg: "request", ...fields }));
    now += 1;
  }
  log.log("debug", "dropped", { x: 1 });
  log.flush();
  expect(out.trimEnd().split("\n")).toEqual(expected);
  for (const line of out.trimEnd().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
});
