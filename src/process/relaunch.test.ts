import { expect, test } from "bun:test";
import { RELAUNCH_DEFAULTS, needsRelaunch, serverProcessEnv } from "./relaunch.ts";

const chosen = { BUN_CONFIG_MAX_HTTP_REQUESTS: "512", BUN_JSC_forceRAMSize: "2147483648" };

test("only `server start` relaunches, and only while one of the start-time settings is unset", () => {
  expect(needsRelaunch(["server", "start", "--port", "0"], {})).toBe(true);
  expect(needsRelaunch(["server", "start"], { BUN_CONFIG_MAX_HTTP_REQUESTS: "512" })).toBe(true);
  expect(needsRelaunch(["server", "start"], chosen)).toBe(false);
  expect(needsRelaunch(["server", "start", "--help"], {})).toBe(false);
  expect(needsRelaunch(["server", "status"], {})).toBe(false);
  expect(needsRelaunch(["apikey", "list"], {})).toBe(false);
});

test("the serving process gets each default the environment does not set; a set value is kept", () => {
  const env = serverProcessEnv({ PATH: "/bin", BUN_CONFIG_MAX_HTTP_REQUESTS: "512" });
  expect(env.PATH).toBe("/bin");
  expect(env.BUN_CONFIG_MAX_HTTP_REQUESTS).toBe("512");
  expect(env.BUN_JSC_forceRAMSize).toBe(RELAUNCH_DEFAULTS.BUN_JSC_forceRAMSize);
  expect(Number(env.BUN_JSC_forceRAMSize)).toBeLessThanOrEqual(1024 ** 3);
  expect(serverProcessEnv(chosen)).toEqual(chosen);
  expect(needsRelaunch(["server", "start"], env)).toBe(false);
});
