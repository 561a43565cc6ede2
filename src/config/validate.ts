import type { TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { Config } from "./schema.ts";

/** `/upstream_accounts/2/provider` → `upstream_accounts[2].provider` */
export function formatPath(pointer: string): string {
  if (!pointer) return "(root)";
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

function literalsOf(schema: TSchema): unknown[] | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf || !anyOf.every((s) => "const" in s)) return undefined;
  return anyOf.map((s) => (s as unknown as { const: unknown }).const);
}

function describe(e: ValueError): string {
  const literals = literalsOf(e.schema);
  if (literals) return `expected one of ${literals.join(", ")}, got ${JSON.stringify(e.value)}`;
  return e.message.charAt(0).toLowerCase() + e.message.slice(1);
}

/**
 * Every error of `value` against `schema`, one line each, with its path: unknown keys at any depth first (a typo
 * such as `server.prot` would otherwise be dropped without a word and its setting silently defaulted), then the
 * schema's own errors. Union noise is collapsed to one line per path.
 */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  const seen = new Set<string>();
  const out = unknownKeys(schema, value, "");
  for (const e of Value.Errors(schema, value)) {
    // Already reported by unknownKeys, with a suggestion.
    if (e.type === ValueErrorType.ObjectAdditionalProperties) continue;
    const path = formatPath(e.path);
    // A union reports its own error and then one per branch; the first one per path is the useful one.
    if ([...seen].some((p) => p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    seen.add(path);
    out.push(`${path}: ${describe(e)}`);
  }
  return out;
}

type SchemaNode = { type?: string; properties?: Record<string, TSchema>; items?: TSchema; anyOf?: TSchema[] };

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `path: unknown key (did you mean "x"?)` for every key the schema does not define, at any depth. */
function unknownKeys(schema: TSchema, value: unknown, path: string): string[] {
  const node = schema as SchemaNode;
  if (node.anyOf) {
    const objectBranch = node.anyOf.find((b) => (b as SchemaNode).type === "object");
    return objectBranch ? unknownKeys(objectBranch, value, path) : [];
  }
  if (node.type === "array" && node.items && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeys(node.items!, item, `${path}[${i}]`));
  }
  if (node.type !== "object" || !node.properties || !isMapping(value)) return [];
  const known = Object.keys(node.properties);
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const schemaOf = node.properties[key];
    if (schemaOf) out.push(...unknownKeys(schemaOf, child, at));
    else {
      const close = closestKey(key, known);
      out.push(`${at}: unknown key${close ? ` (did you mean "${close}"?)` : ` (expected one of ${known.join(", ")})`}`);
    }
  }
  return out;
}

/** The known key a typo most likely meant: within a third of its length in edits (a swap counts as one). */
function closestKey(typed: string, known: string[]): string | undefined {
  const word = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(word, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Fills defaults and checks the whole document; returns the config or the list of errors. */
export function parseConfig(raw: unknown): { ok: true; config: Config } | { ok: false; errors: string[] } {
  const input = raw ?? {};
  if (typeof input !== "object" || Array.isArray(input)) return { ok: false, errors: ["(root): expected a mapping of sections"] };
  const withDefaults = Value.Default(Config, Value.Clone(input));
  const errors = schemaErrors(Config, withDefaults);
  if (errors.length) return { ok: false, errors };
  const config = withDefaults as Config;
  const dup = duplicateIds(config);
  if (dup.length) return { ok: false, errors: dup };
  return { ok: true, config };
}

function duplicateIds(c: Config): string[] {
  const errors: string[] = [];
  for (const section of ["gateway_keys", "upstream_accounts", "model_routes"] as const) {
    const seen = new Map<string, number>();
    c[section].forEach((item, i) => {
      const prev = seen.get(item.id);
      if (prev !== undefined) errors.push(`${section}[${i}].id: duplicate of ${section}[${prev}].id (${item.id})`);
      else seen.set(item.id, i);
    });
  }
  return errors;
}
