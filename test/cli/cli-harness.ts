// Runs the CLI in-process against a throwaway config folder (never the real home).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FetchLike } from "../../src/cli/base-command.ts";
import { runCli } from "../../src/cli/run-cli.ts";

export const MASTER_KEY = "ab".repeat(32);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as exactly one JSON document (throws otherwise). */
  json<T = any>(): T;
}

export interface Sandbox {
  dir: string;
  config: string;
  env: Record<string, string | undefined>;
  run(args: string[], opts?: { stdin?: string; fetch?: FetchLike; env?: Record<string, string | undefined> }): Promise<CliResult>;
  cleanup(): void;
}

/** Refuses every connection, so `status` never depends on what happens to listen on 3847. */
export const offlineFetch: FetchLike = async () => {
  throw new TypeError("connection refused");
};

export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "lgw-cli-"));
  const config = join(dir, "config.yaml");
  const env = { LLM_GATEWAY_CONFIG: config, LLM_GATEWAY_MASTER_KEY: MASTER_KEY, HOME: dir };
  return {
    dir,
    config,
    env,
    async run(args, opts = {}) {
      let stdout = "";
      let stderr = "";
      const code = await runCli(args, {
        stdout: { write: (s: string) => void (stdout += s) },
        stderr: { write: (s: string) => void (stderr += s) },
        env: { ...env, ...opts.env },
        stdin: opts.stdin,
        fetch: opts.fetch ?? offlineFetch,
      });
      return { code, stdout, stderr, json: () => JSON.parse(stdout) };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
