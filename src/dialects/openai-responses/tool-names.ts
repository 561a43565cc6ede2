/**
 * Namespaced tools under flat names. Responses groups functions in `namespace` tools and its calls name both
 * (`{namespace, name}`); the other dialects have one flat list of names matching `^[a-zA-Z0-9_-]{1,64}$` (OpenAI's
 * limit, the strictest). A namespaced function is flattened to `<namespace>__<name>`; the `functions` namespace
 * (the default one in OpenAI's own prompt format) to the bare name. A name that would collide with one already
 * taken gets `_2`, `_3`, ...; a name too long is cut and given a hash, so it stays unique. The mapping is
 * recorded on the canonical tool (`Tool.namespace`), and the way back is a lookup in the request's tools.
 */
import type { Tool } from "../../canonical/model.ts";

const MAX = 64;
const VALID = /^[a-zA-Z0-9_-]+$/;

/** FNV-1a, 8 hex digits: enough to keep cut names apart. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The flat name of `name` in `namespace`, before collisions are resolved. */
export function flatName(namespace: string, name: string): string {
  const joined = namespace === "functions" ? name : `${namespace}__${name}`;
  const valid = VALID.test(joined) ? joined : joined.replace(/[^a-zA-Z0-9_-]/g, "_");
  return valid.length > MAX ? `${valid.slice(0, MAX - 9)}_${hash(joined)}` : valid;
}

/** `base`, or `base_2`, `base_3`, ... : the first not in `taken` (which then holds it). */
export function claimName(base: string, taken: Set<string>): string {
  let name = base;
  for (let k = 2; taken.has(name); k++) {
    const suffix = `_${k}`;
    name = base.slice(0, MAX - suffix.length) + suffix;
  }
  taken.add(name);
  return name;
}

/** What a Responses client must see for a flat tool name: its namespace and own name, and whether it is custom. */
export interface ClientToolName {
  name: string;
  namespace?: string;
  custom: boolean;
}

/** The request's tools that need translating back (namespaced or custom), by flat name. */
export function clientToolNames(tools: readonly Tool[] | undefined): Map<string, ClientToolName> {
  const out = new Map<string, ClientToolName>();
  for (const t of tools ?? []) {
    if (!t.namespace && !t.custom) continue;
    out.set(t.name, t.namespace ? { name: t.namespace.function, namespace: t.namespace.name, custom: !!t.custom } : { name: t.name, custom: true });
  }
  return out;
}
