import type { GatewayKey } from "../../config/schema.ts";

/** `active`, `disabled` or `expired`: the status field does not record expiry, the clock does. */
export function keyState(key: GatewayKey, now: number): "active" | "disabled" | "expired" {
  if (key.status === "disabled") return "disabled";
  if (key.expires_at !== undefined && Date.parse(key.expires_at) <= now) return "expired";
  return "active";
}
