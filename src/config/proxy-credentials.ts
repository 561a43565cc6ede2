import type { Config } from "./schema.ts";
import { isSealed, type Cipher } from "./secrets.ts";

/**
 * Proxy URLs may carry credentials (`http://user:pass@proxy:3128`). Such a URL is stored sealed as a whole, like
 * an upstream key; one without credentials stays readable in the file. The running server opens them once per
 * configuration version (src/runtime/runtime-config.ts), so requests see plain URLs and decrypt nothing.
 */
const PROXY_FIELDS = ["http_proxy", "https_proxy"] as const;

/** Whether a proxy URL carries a user name or password. */
export function hasCredentials(value: string): boolean {
  if (!value.includes("@")) return false;
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "";
  } catch {
    // Not a URL we can read: seal it rather than risk writing a secret in the clear.
    return true;
  }
}

/** The config as written to disk: proxy URLs with credentials sealed (`cipher` is asked for only when needed). */
export function sealProxyCredentials(config: Config, cipher: () => Cipher): Config {
  const env = config.environment;
  const plain = PROXY_FIELDS.filter((f) => env[f] && !isSealed(env[f]) && hasCredentials(env[f]));
  if (plain.length === 0) return config;
  const c = cipher();
  const sealed = { ...env };
  for (const f of plain) sealed[f] = c.encrypt(env[f]);
  return { ...config, environment: sealed };
}

/** One proxy setting in the clear: sealed values decrypted, others as they are. */
export function openProxyUrl(value: string, field: string, cipher: () => Cipher): string {
  return isSealed(value) ? cipher().decrypt(value, `environment.${field}`) : value;
}

/** The config with its proxy URLs in the clear, for the running server's memory only (never written back). */
export function openProxyCredentials(config: Config, cipher: () => Cipher): Config {
  const env = config.environment;
  if (!PROXY_FIELDS.some((f) => isSealed(env[f]))) return config;
  const opened = { ...env };
  for (const f of PROXY_FIELDS) opened[f] = openProxyUrl(env[f], f, cipher);
  return { ...config, environment: opened };
}
