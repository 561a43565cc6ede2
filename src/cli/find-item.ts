import { UsageError } from "clipanion";
import { ConfigError } from "../errors.ts";

/**
 * Finds a key / account / route by id, or by name when exactly one item has it (ids are awkward to type).
 * Returns the index so callers can modify the item inside a ConfigStore.update.
 */
export function findIndex(items: { id: string; name?: string }[], ref: string, what: string): number {
  const byId = items.findIndex((i) => i.id === ref);
  if (byId >= 0) return byId;
  const byName = items.flatMap((item, i) => (item.name === ref ? [i] : []));
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new ConfigError(`${byName.length} ${what}s are named "${ref}"; use the id`);
  throw new ConfigError(`no ${what} with id "${ref}"`);
}

/**
 * Refuses a name another item already has (compared without case): two keys or accounts called "prod" make
 * every later `show prod` ambiguous. `--force` adds it anyway. Called inside ConfigStore.update, so two
 * processes adding the same name at once cannot both pass.
 */
export function assertNameFree(items: { id: string; name?: string }[], name: string, what: string, force: boolean): void {
  if (force) return;
  const taken = items.find((i) => i.name?.toLowerCase() === name.toLowerCase());
  if (taken) throw new UsageError(`${what} named "${taken.name}" already exists (${taken.id}); choose another --name, or add --force to add one more`);
}
