import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { sandbox, type Sandbox } from "./cli-harness.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

test("two CLI processes adding 50 keys each at the same time leave 100 keys", async () => {
  const script = join(import.meta.dir, "fixtures", "add-keys.ts");
  const run = (tag: string) =>
    Bun.spawn(["bun", script, sb.config, tag, "50"], { env: { ...process.env, ...sb.env }, stdout: "pipe", stderr: "pipe" });
  const procs = [run("a"), run("b")];
  const codes = await Promise.all(procs.map((p) => p.exited));
  const errors = await Promise.all(procs.map((p) => new Response(p.stderr).text()));
  expect({ codes, errors }).toEqual({ codes: [0, 0], errors: ["", ""] });
  const keys = new ConfigStore(sb.config, sb.env).read().gateway_keys;
  expect(keys).toHaveLength(100);
  expect(new Set(keys.map((k) => k.id)).size).toBe(100);
  expect(new Set(keys.map((k) => k.name)).size).toBe(100);
  expect(existsSync(`${sb.config}.lock`)).toBe(false);
  // Two processes, each running 50 locked, fsynced read-modify-writes: seconds on a busy 2-core machine. The test is
  // about lost updates, not speed, so it gets room beyond the default 5 s.
}, 30_000);
