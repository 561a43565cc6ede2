import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smoke } from "./smoke.ts";

const dir = mkdtempSync(join(tmpdir(), "lgw-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the compiled binary: CLI set-up, /health, /swagger/json, the docs page offline, a chat answer, SIGTERM → exit 0", async () => {
  const binary = join(dir, "llm-gateway");
  const root = join(import.meta.dir, "..", "..");
  const build = Bun.spawnSync(["bun", "run", "build.ts", `--outfile=${binary}`], { cwd: root, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode).toBe(0);
  const steps: string[] = [];
  await smoke([binary], (line) => steps.push(line));
  expect(steps.at(-1)).toBe("server stopped cleanly");
}, 60_000);
