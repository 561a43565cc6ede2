import { afterEach, beforeEach, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// scripts/quickstart.sh, run against a stand-in binary in a copy of the repository layout: what it writes and
// what it starts, without building or serving anything.

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "lgw-quickstart-"));
  mkdirSync(join(root, "scripts"));
  mkdirSync(join(root, "dist"));
  copyFileSync(join(import.meta.dir, "../../scripts/quickstart.sh"), join(root, "scripts/quickstart.sh"));
  // Records its arguments; answers `apikey add --json` with a key and `upstream show` with "no such account".
  writeFileSync(
    join(root, "dist/llm-gateway"),
    `#!/usr/bin/env bash
echo "$*" >> "${root}/calls"
case "$1 $2" in
  "apikey add") echo '{"key":"lgw_stand_in_key"}' ;;
  "upstream show") exit 1 ;;
esac
`,
  );
  chmodSync(join(root, "dist/llm-gateway"), 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const run = (env: Record<string, string> = {}) => {
  const p = Bun.spawnSync(["bash", join(root, "scripts/quickstart.sh")], {
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: root, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
};

test("the key file is 0600 in a 0700 folder; the key is added once; PORT picks the port", () => {
  const first = run({ PORT: "4999" });
  expect(first).toMatchObject({ code: 0, stderr: "" });
  const key = join(root, ".quickstart/key");
  expect(readFileSync(key, "utf8")).toBe("lgw_stand_in_key\n");
  expect(statSync(key).mode & 0o777).toBe(0o600);
  expect(statSync(join(root, ".quickstart")).mode & 0o777).toBe(0o700);
  expect(first.stdout).toContain("curl -s http://127.0.0.1:4999/v1/chat/completions");
  const calls = () => readFileSync(join(root, "calls"), "utf8").trimEnd().split("\n");
  expect(calls()).toEqual([
    "apikey add --name quickstart --force --json",
    "upstream show mock",
    "upstream add --type api-key --provider mock --name mock",
    "server start --host 127.0.0.1 --port 4999",
  ]);

  // A second run keeps the key; a key file left readable by an older version is tightened.
  chmodSync(key, 0o644);
  expect(run().code).toBe(0);
  expect(statSync(key).mode & 0o777).toBe(0o600);
  expect(calls().filter((c) => c.startsWith("apikey add"))).toHaveLength(1);
  expect(calls().at(-1)).toBe("server start --host 127.0.0.1 --port 3847");
});
