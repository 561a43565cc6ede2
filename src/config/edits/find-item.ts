import { EditError, fieldName, type EditOptions } from "./edit-error.ts";

/**
 * Finds a key / account / route by id, or by name when exactly one item has it (ids are awkward to type).
 * Returns the index so callers can modify the item inside a ConfigStore.update.
 */
export function findIndex(items: { id: string; name?: string }[], ref: string, what: string): number {
  const byId = items.findIndex((i) => i.id === ref);
  if (byId >= 0) return byId;
  const byName = items.flatMap((item, i) => (item.name === ref ? [i] : []));
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new EditError("not_found", `${byName.length} ${what}s are named "${ref}"; use the id`);
  throw new EditError("not_found", `no ${what} with id "${ref}"`);
}

/**
 * Refuses a name another item already has (compared without case): two keys or accounts called "prod" make
 * every later `show prod` ambiguous. `force` adds it anyway. Called inside ConfigStore.update, so two
 * processes adding the same name at once cannot both pass.
 */
export function assertNameFree(items: { id: string; name?: string }[], name: string, what: string, opts: EditOptions): void {
  if (opts.force) return;
  const taken = items.find((i) => i.name?.toLowerCase() === name.toLowerCase());
  if (!taken) return;
  const hint = opts.forceHint ? `, or ${opts.forceHint}` : "";
  throw new EditError("conflict", `${what} named "${taken.name}" already exists (${taken.id}); choose another ${fieldName(opts.names, "name")}${hint}`, "name");
}

/** A name as stored: trimmed, not empty. */
export function cleanName(name: string, opts: EditOptions): string {
  const n = name.trim();
  if (!n) throw new EditError("invalid", `${fieldName(opts.names, "name")} must not be empty`, "name");
  if (n.length > 200) throw new EditError("invalid", `${fieldName(opts.names, "name")} is longer than 200 characters`, "name");
  return n;
}
