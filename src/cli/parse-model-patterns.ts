import { UsageError } from "clipanion";

/**
 * A comma list of model patterns (exact, `prefix*`, `*`), duplicates dropped. `allowEmpty`: an empty list is
 * allowed (it clears a setting) and returns [].
 */
export function parseModelPatterns(flag: string, value: string, opts: { allowEmpty?: boolean } = {}): string[] {
  const list = [...new Set(value.split(",").map((m) => m.trim()).filter(Boolean))];
  if (list.length === 0 && !opts.allowEmpty) throw new UsageError(`${flag} needs at least one pattern`);
  const bad = list.find((m) => m.indexOf("*") !== -1 && m.indexOf("*") !== m.length - 1);
  if (bad) throw new UsageError(`${flag}: model pattern "${bad}": only a trailing * is supported (exact, prefix*, *)`);
  return list;
}
