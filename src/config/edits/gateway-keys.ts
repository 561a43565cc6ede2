import { PERMISSIONS, type GatewayKey, type Permission } from "../schema.ts";
import { generateGatewayKey, hashKey } from "../secrets.ts";
import type { ConfigStore } from "../store.ts";
import { EditError, invalid, type EditOptions, type FieldNames } from "./edit-error.ts";
import { assertNameFree, cleanName, findIndex } from "./find-item.ts";
import { checkModelPatterns } from "./model-patterns.ts";
import { newId } from "./new-id.ts";

/**
 * Gateway keys: create, change, enable/disable, remove. The one place these changes are made; the CLI (`apikey …`)
 * and the admin API call these functions. Every change is one locked, atomic ConfigStore.update.
 */

/** What a change sets. Absent: unchanged; null (or 0 for a rate, [] for the models): the limit is removed. */
export interface GatewayKeyChanges {
  name?: string;
  permissions?: Permission[];
  expires_at?: string | null;
  rate_limit_rpm?: number | null;
  rate_limit_tpm?: number | null;
  budget_usd_daily?: number | null;
  budget_usd_monthly?: number | null;
  allowed_models?: string[] | null;
  status?: "active" | "disabled";
}

const WHAT = "a gateway key";

/** Creates a key; the raw key is returned once and never stored (only its SHA-256). */
export function createGatewayKey(
  store: Pick<ConfigStore, "update">,
  input: GatewayKeyChanges & { name: string },
  opts: EditOptions & { now?: number } = {},
): { key: GatewayKey; raw: string } {
  const raw = generateGatewayKey();
  const key: GatewayKey = {
    id: newId("key"),
    name: cleanName(input.name, opts),
    key_hash: hashKey(raw),
    key_prefix: raw.slice(0, 12),
    permissions: ["read", "write"],
    status: "active",
    created_at: new Date(opts.now ?? Date.now()).toISOString(),
  };
  applyKeyChanges(key, { ...input, name: undefined }, opts.names);
  store.update((c) => {
    assertNameFree(c.gateway_keys, key.name, WHAT, opts);
    c.gateway_keys.push(key);
  });
  return { key, raw };
}

/** Changes the fields given; returns the key as stored. */
export function updateGatewayKey(store: Pick<ConfigStore, "update">, ref: string, changes: GatewayKeyChanges, opts: EditOptions = {}): GatewayKey {
  const name = changes.name === undefined ? undefined : cleanName(changes.name, opts);
  return store.update((c) => {
    const key = c.gateway_keys[findIndex(c.gateway_keys, ref, "gateway key")]!;
    if (name !== undefined && name !== key.name) {
      assertNameFree(c.gateway_keys.filter((o) => o.id !== key.id), name, WHAT, opts);
      key.name = name;
    }
    applyKeyChanges(key, { ...changes, name: undefined }, opts.names);
    return structuredClone(key);
  });
}

export function setGatewayKeyStatus(store: Pick<ConfigStore, "update">, ref: string, status: "active" | "disabled") {
  return store.update((c) => {
    const key = c.gateway_keys[findIndex(c.gateway_keys, ref, "gateway key")]!;
    const changed = key.status !== status;
    key.status = status;
    return { id: key.id, name: key.name, changed };
  });
}

export function removeGatewayKey(store: Pick<ConfigStore, "update">, ref: string): GatewayKey {
  return store.update((c) => c.gateway_keys.splice(findIndex(c.gateway_keys, ref, "gateway key"), 1)[0]!);
}

function applyKeyChanges(key: GatewayKey, c: GatewayKeyChanges, names: FieldNames | undefined): void {
  if (c.permissions !== undefined) key.permissions = checkPermissions(c.permissions, names);
  if (c.status !== undefined) key.status = c.status;
  if (c.expires_at !== undefined) {
    if (c.expires_at === null) delete key.expires_at;
    else {
      const ms = Date.parse(c.expires_at);
      if (Number.isNaN(ms)) throw invalid(names, "expires_at", (l) => `${l} is not a date: "${c.expires_at}"`);
      key.expires_at = new Date(ms).toISOString();
    }
  }
  for (const field of ["rate_limit_rpm", "rate_limit_tpm"] as const) {
    const v = c[field];
    if (v === undefined) continue;
    if (v !== null && (!Number.isInteger(v) || v < 0)) throw invalid(names, field, (l) => `${l} must be a whole number of at least 0, got ${v}`);
    if (!v) delete key[field];
    else key[field] = v;
  }
  for (const field of ["budget_usd_daily", "budget_usd_monthly"] as const) {
    const v = c[field];
    if (v === undefined) continue;
    if (v !== null && !(Number.isFinite(v) && v > 0)) throw invalid(names, field, (l) => `${l} must be more than 0 (remove the budget instead), got ${v}`);
    if (v === null) delete key[field];
    else key[field] = v;
  }
  if (c.allowed_models !== undefined) {
    const models = c.allowed_models === null ? [] : checkModelPatterns(c.allowed_models, "allowed_models", names);
    if (models.length === 0) delete key.allowed_models;
    else key.allowed_models = models;
  }
}

/** At least one, each known, duplicates dropped. */
export function checkPermissions(list: readonly string[], names?: FieldNames): Permission[] {
  const clean = [...new Set(list.map((p) => p.trim()).filter(Boolean))];
  if (clean.length === 0) throw invalid(names, "permissions", (l) => `${l} needs at least one of ${PERMISSIONS.join(", ")}`);
  const bad = clean.find((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (bad !== undefined) throw new EditError("invalid", `unknown permission "${bad}" (expected ${PERMISSIONS.join(", ")})`, "permissions");
  return clean as Permission[];
}
