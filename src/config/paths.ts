import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * Where the configuration lives: `--config PATH`, else LLM_GATEWAY_CONFIG, else ~/.llm-gateway/config.yaml.
 * This and secrets' master-key lookup are the only places that read the environment.
 */
export function resolveConfigPath(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const chosen = flag || env.LLM_GATEWAY_CONFIG;
  if (chosen) return resolve(chosen);
  return join(env.HOME || homedir(), ".llm-gateway", "config.yaml");
}

/** The generated master key sits beside the config file, mode 0600. */
export const masterKeyPath = (configPath: string) => join(dirname(configPath), "master.key");
export const lockPath = (configPath: string) => `${configPath}.lock`;
/**
 * Cluster mode: the version of the configuration this machine last agreed on with the shared store (beside the
 * file, mode 0600, sealed values only as in the file), so a restart can tell its own offline edits from others'.
 */
export const sharedBasePath = (configPath: string) => `${configPath}.shared.json`;
/** The usage ledger's SQLite file when `usage.path` names none. */
export const usageDbPath = (configPath: string) => join(dirname(configPath), "usage.db");
