import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The compiled binary (`bun run build.ts`), built once per test process however many test files ask for it: a
 * build takes 3–10 s on a busy machine. Removed when the process exits. Give the hook that awaits it a long
 * timeout (60 s).
 */
let built: Promise<string> | undefined;

export function compiledBinary(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "lgw-binary-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const binary = join(dir, "llm-gateway");
    const root = join(import.meta.dir, "..", "..");
    const proc = Bun.spawn(["bun", "run", "build.ts", `--outfile=${binary}`], { cwd: root, stdout: "pipe", stderr: "pipe" });
    const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    if (code !== 0) throw new Error(`the build failed: ${err}`);
    return binary;
  })();
  return built;
}
