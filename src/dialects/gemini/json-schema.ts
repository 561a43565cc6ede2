/**
 * Gemini schemas → JSON Schema, for tools and structured output decoded from a Gemini client.
 *
 * Gemini clients describe parameters as an OpenAPI-3.0 subset (`parameters`, `responseSchema`) whose types are
 * upper-case enum names (`OBJECT`, `STRING`) with `nullable`, and even the JSON-Schema fields
 * (`parametersJsonSchema`, `responseJsonSchema`) arrive with upper-case types from Gemini CLI. Other upstreams
 * want JSON Schema (Anthropic requires `input_schema.type` to be exactly "object"), so types are lower-cased and
 * `nullable: true` becomes a `"null"` type alternative. Only schema keywords are rewritten; `properties` keys are
 * names and stay as they are. Towards a Gemini upstream the gateway sends JSON Schema in `parametersJsonSchema` /
 * `responseJsonSchema`, which take it as it is.
 */
import { isObj, type Json } from "../shared/json-shape.ts";

/** Keywords whose value is a map from names to schemas. */
const SCHEMA_MAPS = new Set(["properties", "$defs", "definitions", "patternProperties"]);
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMA_VALUES = new Set(["items", "anyOf", "oneOf", "allOf", "not", "additionalProperties", "prefixItems"]);

export function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!isObj(s)) return s;
  const out: Json = {};
  let nullable = false;
  for (const k in s) {
    const v = s[k];
    if (k === "type") out.type = typeof v === "string" ? v.toLowerCase() : Array.isArray(v) ? v.map((t) => (typeof t === "string" ? t.toLowerCase() : t)) : v;
    else if (k === "nullable") nullable = v === true;
    else if (SCHEMA_MAPS.has(k) && isObj(v)) {
      const m: Json = {};
      for (const name in v) m[name] = toJsonSchema(v[name]);
      out[k] = m;
    } else if (SCHEMA_VALUES.has(k)) out[k] = toJsonSchema(v);
    else if (k === "propertyOrdering") continue; // Gemini-only ordering hint
    else out[k] = v;
  }
  if (nullable && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}
