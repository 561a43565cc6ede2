import { UsageError } from "clipanion";
import { checkModelPatterns } from "../config/edits/model-patterns.ts";

/**
 * A comma list of model patterns (exact, `prefix*`, `*`), duplicates dropped. `allowEmpty`: an empty list is
 * allowed (it clears a setting) and returns [].
 */
export function parseModelPatterns(flag: string, value: string, opts: { allowEmpty?: boolean } = {}): string[] {
  const list = checkModelPatterns(value.split(","), flag);
  if (list.length === 0 && !opts.allowEmpty) throw new UsageError(`${flag} needs at least one pattern`);
  return list;
}
