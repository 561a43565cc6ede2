import { UsageError } from "clipanion";
import { ENV_NAMES, type EnvName } from "../../config/schema.ts";

/** Accepts `http_proxy`, `HTTP_PROXY` and `http-proxy` alike: people type all three. */
export function parseEnvName(value: string): EnvName {
  const name = value.trim().toLowerCase().replace(/-/g, "_");
  if (!(ENV_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown setting "${value}" (expected ${ENV_NAMES.join(", ")})`);
  }
  return name as EnvName;
}
