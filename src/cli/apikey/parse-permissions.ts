import { checkPermissions } from "../../config/edits/gateway-keys.ts";
import type { Permission } from "../../config/schema.ts";

/** `--permissions read,write,admin`: at least one, each known, duplicates dropped. */
export function parsePermissions(value: string): Permission[] {
  return checkPermissions(value.split(","), { permissions: "--permissions" });
}
