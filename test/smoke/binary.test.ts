import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smoke } from "./smoke.ts";

const dir = mkdtempSync(join(tmpdir(), "lgw-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the compiled binary: its build stamp, CLI set-up, /health, /swagger/json, the docs page offline, a chat answer, SIGTERM → exit 0; a systemd unit for itself", async () => {
  const binary = join(dir, "llm-gateway");
  const root = join(import.meta.dir, "..", "..");
  const build = Bun.spawnSync(["bun", "run", "build.ts", `--outfile=${binary}`], { cwd: root, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode).toBe(0);
  const steps: string[] = [];
  await smoke([binary], (line) => steps.push(line));
  expect(steps.at(-1)).toBe("server stopped cleanly");
  const head = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: root, stdout: "pipe" }).stdout.toString().trim();
  expect(steps[0]).toMatch(new RegExp(`^version \\S+, commit ${head}(-dirty)?, built \\S+Z for bun-${process.platform}-${process.arch}`));

  // `service install` without --binary names the binary itself (into a temp root, not the real /etc).
  const unitRoot = join(dir, "root");
  const install = Bun.spawnSync([binary, "service", "install", "--root", unitRoot], { stdout: "pipe", stderr: "pipe" });
  expect(install.stderr.toString()).toBe("");
  expect(readFileSync(join(unitRoot, "etc/systemd/system/llm-gateway.service"), "utf8")).toContain(`\nExecStart=${binary} server start\n`);
}, 60_000);
