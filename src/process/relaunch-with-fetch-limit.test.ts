import { expect, test } from "bun:test";
import { needsRelaunch } from "./relaunch-with-fetch-limit.ts";

test("only `server start` without a chosen fetch limit relaunches", () => {
  expect(needsRelaunch(["server", "start", "--port", "0"], {})).toBe(true);
  expect(needsRelaunch(["server", "start"], { BUN_CONFIG_MAX_HTTP_REQUESTS: "512" })).toBe(false);
  expect(needsRelaunch(["server", "start", "--help"], {})).toBe(false);
  expect(needsRelaunch(["server", "status"], {})).toBe(false);
  expect(needsRelaunch(["apikey", "list"], {})).toBe(false);
});
