import { invalid, type FieldNames } from "./edit-error.ts";

/**
 * Model patterns as the config takes them (exact, `prefix*`, `*`): trimmed, empty ones and duplicates dropped, a
 * `*` anywhere but at the end refused. `field` names the list in the message.
 */
export function checkModelPatterns(list: readonly string[], field: string, names?: FieldNames): string[] {
  const clean = [...new Set(list.map((m) => m.trim()).filter(Boolean))];
  const bad = clean.find((m) => m.indexOf("*") !== -1 && m.indexOf("*") !== m.length - 1);
  if (bad) throw invalid(names, field, (label) => `${label}: model pattern "${bad}": only a trailing * is supported (exact, prefix*, *)`);
  return clean;
}
