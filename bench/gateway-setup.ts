/**
 * A gateway configured for the bench, driven only through its CLI (the public contract), with every feature on:
 * a temp config with the access log at `info` (one JSON line per request; `BENCH_LOG_LEVEL=warn` turns it off for
 * an A/B), the usage ledger on (SQLite in the temp folder; `ledger: false` turns it off), one gateway key with a
 * rate limit, an OpenAI-compatible account serving `gpt-*`, an Anthropic account serving `claude-*`, a Gemini
 * account serving `gemini-*` and an OpenAI-compatible account serving `resp-*` through the Responses API, all
 * pointing at the fake upstream.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { serverProcessEnv } from "../src/process/relaunch.ts";
import { bunPath, repoDir } from "./processes.ts";

export interface GatewaySetup {
  /** The gateway executable as argv prefix: `[bun, src/main.ts]` or `[dist/llm-gateway]`. */
  command: string[];
  /** `source` or `binary`. */
  kind: "source" | "binary";
  dir: string;
  configPath: string;
  env: Record<string, string | undefined>;
  key: string;
  /** argv to start the server on a free port. */
  startArgs: string[];
  cleanup(): void;
}

export const BINARY = join(repoDir, "dist", "llm-gateway");

/** `binary` when dist/llm-gateway exists (what ships), else running from source. */
export function gatewayCommand(prefer: "binary" | "source" | "auto" = "auto"): { command: string[]; kind: "source" | "binary" } {
  if (prefer === "binary" || (prefer === "auto" && existsSync(BINARY))) return { command: [BINARY], kind: "binary" };
  return { command: [bunPath, join(repoDir, "src", "main.ts")], kind: "source" };
}

export function setupGateway(opts: {
  upstreamUrl: string;
  prefer?: "binary" | "source" | "auto";
  extraEnv?: Record<string, string>;
  /** The usage ledger (SQLite beside the config, the default: on); false for the ledger A/B's other gateway. */
  ledger?: boolean;
}): GatewaySetup {
  const { command, kind } = gatewayCommand(opts.prefer);
  const dir = mkdtempSync(join(tmpdir(), "lgw-bench-"));
  const configPath = join(dir, "config.yaml");
  // The start-time settings `server start` would relaunch itself with are set here, the same values, so it does not
  // relaunch: RSS and profiles must be the serving process's own (src/process/relaunch.ts).
  const env = serverProcessEnv({ ...process.env, HOME: dir, LLM_GATEWAY_CONFIG: configPath, ...opts.extraEnv });
  const cli = (...args: string[]) => {
    const p = Bun.spawnSync([...command, ...args, "--config", configPath], { env, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`gateway CLI \`${args.join(" ")}\` exited ${p.exitCode}: ${p.stderr.toString()}`);
    return p.stdout.toString();
  };
  try {
    // Every feature on while measured: the key has a rate limit (high enough never to refuse: each request is
    // still counted and answered with its rate-limit headers), and the access log writes one JSON line per request.
    const key = (JSON.parse(cli("apikey", "add", "--name", "bench", "--rpm", "1000000000", "--json")) as { key: string }).key;
    const doc = YAML.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    doc.logging = { ...(doc.logging as object | undefined), level: process.env.BENCH_LOG_LEVEL ?? "info", format: "json" };
    if (opts.ledger === false) doc.usage = { ...(doc.usage as object | undefined), enabled: false };
    writeFileSync(configPath, YAML.stringify(doc));
    const up = opts.upstreamUrl.replace(/\/$/, "");
    cli("upstream", "add", "--type", "api-key", "--provider", "openai-compatible", "--name", "oa",
      "--base-url", `${up}/v1`, "--key", "dummy", "--models", "gpt-*", "--json");
    cli("upstream", "add", "--type", "api-key", "--provider", "anthropic", "--name", "an",
      "--base-url", up, "--key", "dummy", "--models", "claude-*", "--json");
    cli("upstream", "add", "--type", "api-key", "--provider", "gemini", "--name", "gm",
      "--base-url", up, "--key", "dummy", "--models", "gemini-*", "--json");
    // An OpenAI-compatible account whose models are served through the Responses API (responses_models).
    cli("upstream", "add", "--type", "api-key", "--provider", "openai-compatible", "--name", "rs",
      "--base-url", `${up}/v1`, "--key", "dummy", "--models", "resp-*", "--json");
    const withAccounts = YAML.parse(readFileSync(configPath, "utf8")) as { upstream_accounts: { name: string; responses_models?: string[] }[] };
    withAccounts.upstream_accounts.find((a) => a.name === "rs")!.responses_models = ["*"];
    writeFileSync(configPath, YAML.stringify(withAccounts));
    return {
      command,
      kind,
      dir,
      configPath,
      env,
      key,
      startArgs: [...command, "server", "start", "--config", configPath, "--host", "127.0.0.1", "--port", "0"],
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
