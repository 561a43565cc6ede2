import { UsageError } from "clipanion";
import { PERMISSIONS, type Permission } from "../../config/schema.ts";

/** `--permissions read,write,admin`: at least one, each known, duplicates dropped. */
export function parsePermissions(value: string): Permission[] {
  const list = [...new Set(value.split(",").map((p) => p.trim()).filter(Boolean))];
  if (list.length === 0) throw new UsageError("--permissions needs at least one of read, write, admin");
  const bad = list.filter((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (bad.length) throw new UsageError(`unknown permission "${bad[0]}" (expected ${PERMISSIONS.join(", ")})`);
  return list as Permission[];
}
