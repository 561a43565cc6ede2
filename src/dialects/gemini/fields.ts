/**
 * Reading Gemini JSON: proto3 JSON accepts every field in lowerCamelCase (the canonical spelling, what the SDKs
 * send) or in snake_case. Only field names are ever translated, never the keys of user data (function arguments,
 * schemas), so each read names the field it wants.
 */
import type { Json } from "../shared/json-shape.ts";

const snakeNames = new Map<string, string>();

/** Snake_case of a camelCase field name (`mimeType` → `mime_type`), computed once per name. */
function snake(name: string): string {
  let s = snakeNames.get(name);
  if (s === undefined) {
    s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(name, s);
  }
  return s;
}

/** `o[name]`, or its snake_case spelling. */
export function field(o: Json, name: string): unknown {
  const v = o[name];
  return v !== undefined ? v : o[snake(name)];
}

/** Whether `key` (either spelling) is one of `names` (given in camelCase). */
export function isKnownField(key: string, names: ReadonlySet<string>): boolean {
  if (names.has(key)) return true;
  if (!key.includes("_")) return false;
  return names.has(key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
}

/** Fields of `o` not in `names` (either spelling), or undefined when there are none. */
export function unknownFields(o: Json, names: ReadonlySet<string>): Json | undefined {
  let out: Json | undefined;
  for (const k in o) if (o[k] !== undefined && !isKnownField(k, names)) (out ??= {})[k] = o[k];
  return out;
}
