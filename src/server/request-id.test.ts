import { expect, test } from "bun:test";
import { requestIdOf } from "./request-id.ts";

test("a sane client id is kept; anything else gets a new, unique, header-safe id", () => {
  expect(requestIdOf(new Headers({ "x-request-id": "abc-123:x" }))).toBe("abc-123:x");
  const made = new Set<string>();
  for (const given of [undefined, "", "has space", "x".repeat(129), "caf\u00e9"]) {
    const id = requestIdOf(new Headers(given === undefined ? {} : { "x-request-id": given }));
    expect(id).toMatch(/^req_[0-9a-f]{16}[0-9a-z]{8,}$/);
    made.add(id);
  }
  expect(made.size).toBe(5);
});
