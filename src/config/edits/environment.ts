import { EnvironmentConfig, type EnvName } from "../schema.ts";
import type { ConfigStore } from "../store.ts";
import { invalid, type EditOptions, type FieldNames } from "./edit-error.ts";

/**
 * The outbound proxy settings (`environment`). The one place they are changed; the CLI (`env set|unset`) and the
 * admin API call these functions. A proxy URL with credentials is sealed by the store's write
 * (src/config/url-credentials.ts).
 */
export type EnvironmentChanges = Partial<Record<EnvName, string>>;

/** Sets the values given (an empty proxy clears it); returns them as stored. */
export function setEnvironment(store: Pick<ConfigStore, "update">, changes: EnvironmentChanges, opts: EditOptions = {}): [EnvName, string][] {
  const values: [EnvName, string][] = [];
  for (const name of ["http_proxy", "https_proxy"] as const) {
    const v = changes[name];
    if (v !== undefined) values.push([name, proxyUrl(name, v, opts.names)]);
  }
  if (changes.no_proxy !== undefined) {
    values.push(["no_proxy", changes.no_proxy.split(",").map((h) => h.trim()).filter(Boolean).join(",")]);
  }
  if (values.length === 0) throw invalid(opts.names, "environment", () => `nothing to set: give ${["http_proxy", "https_proxy", "no_proxy"].map((n) => opts.names?.[n] ?? n).join(", ")}`);
  store.update((c) => {
    for (const [name, value] of values) c.environment[name] = value;
  });
  return values;
}

/** Back to the default (proxies: none; no_proxy: localhost,127.0.0.1,::1); returns it. */
export function resetEnvironment(store: Pick<ConfigStore, "update">, name: EnvName): string {
  const value = EnvironmentConfig.properties[name].default as string;
  store.update((c) => {
    c.environment[name] = value;
  });
  return value;
}

function proxyUrl(field: EnvName, value: string, names: FieldNames | undefined): string {
  const v = value.trim();
  if (v === "") return "";
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(names, field, (l) => `${l} is not a valid URL: "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(names, field, (l) => `${l} must be an http:// or https:// URL`);
  // A masked value shown by a list (`http://user:****@proxy`) sent back as it was would store "****" as the password.
  if (decodeURIComponent(url.password) === "****" || decodeURIComponent(url.username) === "****" || url.searchParams.get("password") === "****") {
    throw invalid(names, field, (l) => `${l} holds a masked credential (****): give the proxy's real user and password, or leave the setting unchanged`);
  }
  return v;
}
