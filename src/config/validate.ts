import type { TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
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

/** Every error of `value` against `schema`, one line each, with its path. Union noise is collapsed to one line per path. */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    const path = formatPath(e.path);
    // A union reports its own error and then one per branch; the first one per path is the useful one.
    if ([...seen].some((p) => p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    seen.add(path);
    out.push(`${path}: ${describe(e)}`);
  }
  return out;
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
