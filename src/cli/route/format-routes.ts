import type { ModelRoute } from "../../config/schema.ts";
import { formatTable } from "../format-table.ts";

export function formatRoutes(routes: ModelRoute[]): string {
  return formatTable(
    ["ID", "FROM", "TO", "PROVIDER", "PRIORITY", "ENABLED"],
    routes.map((r) => [r.id, r.source_model, r.target_model, r.target_provider ?? "any", String(r.priority), r.enabled ? "yes" : "no"]),
  );
}
