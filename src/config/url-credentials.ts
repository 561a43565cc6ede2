import type { Config } from "./schema.ts";
import { isSealed, type Cipher } from "./secrets.ts";

/**
 * URLs in the config that may carry credentials: the proxies (`http://user:pass@proxy:3128`), the usage
 * ledger's PostgreSQL URL (`postgres://gw:secret@db/usage`) and the shared state's Redis URL
 * (`redis://:secret@redis:6379/0`). Such a URL is stored sealed as a whole, like an
 * upstream key; one without credentials stays readable in the file. The running server opens them once per
 * configuration version (src/runtime/runtime-config.ts), so requests see plain URLs and decrypt nothing; the CLI
 * opens them only to mask them (`config show`) or to read the ledger (`usage`).
 */
export const SEALED_URL_FIELDS = [
  { section: "environment", field: "http_proxy" },
  { section: "environment", field: "https_proxy" },
  { section: "usage", field: "database_url" },
  { section: "state", field: "redis_url" },
] as const;
export type SealedUrlField = (typeof SEALED_URL_FIELDS)[number];

const valueOf = (config: Config, f: SealedUrlField): string => (config[f.section] as Record<string, string>)[f.field] ?? "";
export const fieldPath = (f: SealedUrlField) => `${f.section}.${f.field}`;

/** Whether a URL carries a user name or password (in its authority, or as a `password` query parameter). */
export function hasCredentials(value: string): boolean {
  if (!value.includes("@") && !/[?&]password=/i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "" || url.searchParams.has("password");
  } catch {
    // Not a URL we can read: seal it rather than risk writing a secret in the clear.
    return true;
  }
}

/** The fields that hold credentials in plain text (hand edits; the next write through the CLI seals them). */
export function plaintextUrlCredentials(config: Config): SealedUrlField[] {
  return SEALED_URL_FIELDS.filter((f) => {
    const v = valueOf(config, f);
    return v !== "" && !isSealed(v) && hasCredentials(v);
  });
}

/** The config as written to disk: URLs with credentials sealed (`cipher` is asked for only when needed). */
export function sealUrlCredentials(config: Config, cipher: () => Cipher): Config {
  const plain = plaintextUrlCredentials(config);
  if (plain.length === 0) return config;
  const c = cipher();
  return withValues(config, plain.map((f) => [f, c.encrypt(valueOf(config, f))]));
}

/** One such URL in the clear: a sealed value decrypted (`where` names it in an error), others as they are. */
export function openSealedUrl(value: string, where: string, cipher: () => Cipher): string {
  return isSealed(value) ? cipher().decrypt(value, where) : value;
}

/** The config with these URLs in the clear, for a process's memory only (never written back). */
export function openUrlCredentials(config: Config, cipher: () => Cipher): Config {
  const sealed = SEALED_URL_FIELDS.filter((f) => isSealed(valueOf(config, f)));
  if (sealed.length === 0) return config;
  return withValues(config, sealed.map((f) => [f, openSealedUrl(valueOf(config, f), fieldPath(f), cipher)]));
}

/** A copy with the given fields replaced (each section copied once). */
function withValues(config: Config, values: [SealedUrlField, string][]): Config {
  const out = { ...config } as unknown as Record<string, Record<string, unknown>>;
  const copied = new Set<string>();
  for (const [f, v] of values) {
    if (!copied.has(f.section)) {
      out[f.section] = { ...out[f.section] };
      copied.add(f.section);
    }
    out[f.section]![f.field] = v;
  }
  return out as unknown as Config;
}
