import { resolveOAuthClient } from "../../oauth/defaults.ts";
import { parseServiceAccountKey } from "../../oauth/service-account.ts";
import { VERTEX_DEFAULT_REGION } from "../../providers/vertex.ts";
import { ConfigError } from "../../errors.ts";
import { PROVIDERS, type OAuthSettings, type Provider, type UpstreamAccount } from "../schema.ts";
import type { ConfigStore } from "../store.ts";
import { EditError, fieldName, invalid, type EditOptions, type FieldNames } from "./edit-error.ts";
import { assertNameFree, cleanName, findIndex } from "./find-item.ts";
import { checkModelPatterns } from "./model-patterns.ts";
import { newId } from "./new-id.ts";

/**
 * Upstream accounts: add (with an API key, or as an OAuth account waiting for its login), change, enable/disable,
 * remove. The one place these changes are made; the CLI (`upstream …`, `oauth …`) and the admin API call these
 * functions. Every change is one locked, atomic ConfigStore.update; API keys are sealed before they are written.
 */

/** Local OpenAI-compatible servers (Ollama, vLLM) often need no key; the mock never does. */
const KEY_OPTIONAL = new Set<Provider>(["mock", "openai-compatible"]);
/** No sensible default endpoint: the resource / server address is the user's. */
const BASE_URL_REQUIRED = new Set<Provider>(["azure", "openai-compatible"]);
const WHAT = "an upstream account";

/** What a change sets. Absent: unchanged; null (or [] for the models): removed, back to the default. */
export interface AccountChanges {
  name?: string;
  models?: string[] | null;
  weight?: number;
  priority?: number;
  status?: "active" | "disabled";
  spend_cap_usd_daily?: number | null;
  spend_cap_usd_monthly?: number | null;
}

interface NewAccountBase {
  name: string;
  provider: string;
  base_url?: string;
  models?: string[];
  weight?: number;
  priority?: number;
  spend_cap_usd_daily?: number;
  spend_cap_usd_monthly?: number;
}

export interface NewApiKeyAccount extends NewAccountBase {
  /** Plaintext (Vertex AI: the service account's JSON key): sealed with the master key before it is written. */
  api_key?: string;
  api_version?: string;
  gemini_api?: "native" | "openai-compatible";
  /** Vertex AI: the Google Cloud project and location. */
  project?: string;
  region?: string;
}

export interface NewOAuthAccount extends NewAccountBase {
  /** Endpoint overrides (never token material): the provider's defaults otherwise. */
  oauth?: Pick<OAuthSettings, "authorize_url" | "token_url" | "device_code_url" | "client_id" | "redirect_uri" | "scopes">;
}

type Store = Pick<ConfigStore, "update" | "load" | "cipher">;

export function checkProvider(value: string, names?: FieldNames): Provider {
  const p = value.trim().toLowerCase();
  // `google` is what people type for Gemini.
  const provider = p === "google" ? "gemini" : p;
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw invalid(names, "provider", () => `unknown provider "${value}" (expected ${PROVIDERS.join(", ")}, or google)`);
  }
  return provider as Provider;
}

/** An http(s) URL without credentials (a key goes in api_key, sealed). */
export function checkBaseUrl(value: string, names?: FieldNames): string {
  const v = value.trim();
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(names, "base_url", (l) => `${l} is not a valid URL: "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(names, "base_url", (l) => `${l} must be http or https, got "${url.protocol}"`);
  if (url.username || url.password) throw invalid(names, "base_url", (l) => `${l} must not carry credentials; use ${fieldName(names, "api_key")}`);
  return v;
}

/**
 * A new account's fields in the order the file has always listed them (id, name, type, provider, secrets, base_url,
 * models, weight, priority, status, created_at, then the rest).
 */
function newAccount(
  type: UpstreamAccount["type"],
  input: NewAccountBase,
  opts: EditOptions & { now?: number },
  secret: (provider: Provider) => Pick<UpstreamAccount, "api_key">,
): UpstreamAccount {
  const names = opts.names;
  const provider = checkProvider(input.provider, names);
  const name = cleanName(input.name, opts);
  const base_url = input.base_url === undefined ? undefined : checkBaseUrl(input.base_url, names);
  const models = input.models === undefined ? undefined : checkModelPatterns(input.models, "models", names);
  if (models?.length === 0) throw invalid(names, "models", (l) => `${l} needs at least one pattern`);
  const account: UpstreamAccount = {
    id: newId("up"),
    name,
    type,
    provider,
    ...secret(provider),
    ...(base_url !== undefined && { base_url }),
    ...(models !== undefined && { models }),
    weight: 1,
    priority: 0,
    status: "active",
    created_at: new Date(opts.now ?? Date.now()).toISOString(),
  };
  applyAccountChanges(
    account,
    { weight: input.weight, priority: input.priority, spend_cap_usd_daily: input.spend_cap_usd_daily, spend_cap_usd_monthly: input.spend_cap_usd_monthly },
    names,
  );
  return account;
}

/** Adds an account that uses an API key (sealed under the master key). */
export function addApiKeyAccount(store: Store, input: NewApiKeyAccount, opts: EditOptions & { now?: number } = {}): UpstreamAccount {
  const names = opts.names;
  let plainKey = input.api_key?.trim() || undefined;
  let { project, region } = input;
  const account = newAccount("api-key", input, opts, (provider) => {
    if (provider === "vertex" && plainKey !== undefined) {
      // Vertex AI: the key is a service account's JSON key file, stored compact; its project is the default.
      let key;
      try {
        key = parseServiceAccountKey(plainKey);
      } catch (e) {
        throw invalid(names, "api_key", (l) => `${l}: ${(e as Error).message}`);
      }
      plainKey = JSON.stringify(key);
      project = project?.trim() || key.project_id;
      if (!project) throw invalid(names, "project", (l) => `${fieldName(names, "provider")} vertex needs ${l} (the key names no project_id)`);
      region = (region?.trim() || VERTEX_DEFAULT_REGION).toLowerCase();
      if (!/^[a-z0-9-]+$/.test(region)) throw invalid(names, "region", (l) => `${l} must be a location name such as us-central1 or global, got "${input.region}"`);
    }
    if (input.base_url === undefined && BASE_URL_REQUIRED.has(provider)) {
      throw invalid(names, "base_url", (l) => `${fieldName(names, "provider")} ${provider} needs ${l}`);
    }
    if (input.api_version !== undefined && provider !== "azure") {
      throw invalid(names, "api_version", (l) => `${l} applies to ${fieldName(names, "provider")} azure only`);
    }
    if (plainKey === undefined && !KEY_OPTIONAL.has(provider)) {
      throw invalid(names, "api_key", (l) => `${fieldName(names, "provider")} ${provider} needs ${l}`);
    }
    if (plainKey === undefined) return {};
    const existing = store.load().upstream_accounts.find((a) => a.api_key !== undefined);
    // A key sealed under a different master key could never be read back: refuse before writing one.
    if (existing) store.cipher.decrypt(existing.api_key!, `upstream account ${existing.id} api_key`);
    return { api_key: store.cipher.encrypt(plainKey) };
  });
  if (input.api_version !== undefined) account.api_version = input.api_version;
  if (input.gemini_api !== undefined) {
    if (account.provider !== "gemini") throw invalid(names, "gemini_api", (l) => `${l} applies to ${fieldName(names, "provider")} gemini only`);
    account.gemini_api = input.gemini_api;
  }
  if (project !== undefined || region !== undefined) {
    if (account.provider !== "vertex") throw invalid(names, project !== undefined ? "project" : "region", (l) => `${l} applies to ${fieldName(names, "provider")} vertex only`);
    if (project !== undefined) account.project = project;
    if (region !== undefined) account.region = region;
  }
  store.update((c) => {
    assertNameFree(c.upstream_accounts, account.name, WHAT, opts);
    c.upstream_accounts.push(account);
  });
  return account;
}

/**
 * Adds an OAuth account without tokens: left out of routing (`needs_reauth`) until its login stores them.
 * Providers without OAuth defaults need token_url and client_id: refused before anything is written.
 */
export function addOAuthAccount(store: Store, input: NewOAuthAccount, opts: EditOptions & { now?: number } = {}): UpstreamAccount {
  const o = input.oauth ?? {};
  const oauth: OAuthSettings = {
    ...(o.authorize_url !== undefined && { authorize_url: o.authorize_url }),
    ...(o.token_url !== undefined && { token_url: o.token_url }),
    ...(o.device_code_url !== undefined && { device_code_url: o.device_code_url }),
    ...(o.client_id !== undefined && { client_id: o.client_id }),
    ...(o.redirect_uri !== undefined && { redirect_uri: o.redirect_uri }),
    ...(o.scopes !== undefined && { scopes: o.scopes }),
    needs_reauth: true,
  };
  const account = newAccount("oauth", input, opts, (provider) => {
    try {
      resolveOAuthClient({ id: "new", provider, oauth });
    } catch (e) {
      if (e instanceof ConfigError) throw new EditError("invalid", e.message.replace(/^upstream account new: /, ""), "provider");
      throw e;
    }
    return {};
  });
  account.oauth = oauth;
  store.update((c) => {
    assertNameFree(c.upstream_accounts, account.name, WHAT, opts);
    c.upstream_accounts.push(account);
  });
  return account;
}

/** Changes the fields given; returns the account as stored (its secrets still sealed). */
export function updateAccount(store: Pick<ConfigStore, "update">, ref: string, changes: AccountChanges, opts: EditOptions = {}): UpstreamAccount {
  const name = changes.name === undefined ? undefined : cleanName(changes.name, opts);
  return store.update((c) => {
    const a = c.upstream_accounts[findIndex(c.upstream_accounts, ref, "upstream account")]!;
    if (name !== undefined && name !== a.name) {
      assertNameFree(c.upstream_accounts.filter((o) => o.id !== a.id), name, WHAT, opts);
      a.name = name;
    }
    applyAccountChanges(a, { ...changes, name: undefined }, opts.names);
    return structuredClone(a);
  });
}

export function setAccountStatus(store: Pick<ConfigStore, "update">, ref: string, status: "active" | "disabled") {
  return store.update((c) => {
    const account = c.upstream_accounts[findIndex(c.upstream_accounts, ref, "upstream account")]!;
    const changed = account.status !== status;
    account.status = status;
    return { id: account.id, name: account.name, changed };
  });
}

export function removeAccount(store: Pick<ConfigStore, "update">, ref: string): UpstreamAccount {
  return store.update((c) => c.upstream_accounts.splice(findIndex(c.upstream_accounts, ref, "upstream account"), 1)[0]!);
}

function applyAccountChanges(a: UpstreamAccount, c: AccountChanges, names: FieldNames | undefined): void {
  if (c.models !== undefined) {
    const models = c.models === null ? [] : checkModelPatterns(c.models, "models", names);
    if (models.length === 0) delete a.models;
    else a.models = models;
  }
  if (c.weight !== undefined) {
    if (!Number.isInteger(c.weight) || c.weight < 0) throw invalid(names, "weight", (l) => `${l} must be at least 0, got ${c.weight}`);
    a.weight = c.weight;
  }
  if (c.priority !== undefined) {
    if (!Number.isInteger(c.priority)) throw invalid(names, "priority", (l) => `${l} must be a whole number, got ${c.priority}`);
    a.priority = c.priority;
  }
  if (c.status !== undefined) a.status = c.status;
  for (const field of ["spend_cap_usd_daily", "spend_cap_usd_monthly"] as const) {
    const v = c[field];
    if (v === undefined) continue;
    if (v !== null && !(Number.isFinite(v) && v > 0)) throw invalid(names, field, (l) => `${l} must be more than 0 (remove the cap instead), got ${v}`);
    if (v === null) delete a[field];
    else a[field] = v;
  }
}
