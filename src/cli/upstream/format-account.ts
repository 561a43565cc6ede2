import type { UpstreamAccount } from "../../config/schema.ts";
import { formatFields } from "../format-table.ts";

/** Human form of one (already masked) account, for `upstream add` and `upstream show`. */
export function formatAccount(a: UpstreamAccount, health?: string): string {
  return formatFields([
    ["id", a.id],
    ["name", a.name],
    ["type", a.type],
    ["provider", a.provider],
    ["status", a.status],
    ["health", health],
    ["key", a.api_key ?? "(none)"],
    ["base url", a.base_url ?? "(provider default)"],
    ["models", a.models?.join(",") ?? "(provider default)"],
    ["weight", String(a.weight)],
    ["priority", String(a.priority)],
    ["api version", a.api_version],
    ["created", a.created_at],
  ]);
}
