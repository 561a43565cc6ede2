import { Command, Option } from "clipanion";
import { PROVIDERS, type ModelRoute, type Provider } from "../../config/schema.ts";
import { BaseCommand } from "../base-command.ts";
import { newId } from "../new-id.ts";
import { formatRoutes } from "./format-routes.ts";

export class RouteAddCommand extends BaseCommand {
  static override paths = [["route", "add"]];
  static override usage = Command.Usage({
    category: "Model routes",
    description: "map requested model names to an upstream model (exact, prefix* or *)",
    details: "Lower --priority wins; among equal priorities the more specific pattern wins. `--to '*'` keeps the requested name (only pins --provider).",
    examples: [
      ["Send GPT-4o requests to Claude", "$0 route add --from 'gpt-4o*' --to claude-sonnet-4-5 --provider anthropic"],
      ["A catch-all", "$0 route add --from '*' --to mock-1 --provider mock --priority 10"],
    ],
  });

  from = Option.String("--from", { description: "Requested model: exact, prefix* or * (required)" });
  to = Option.String("--to", { description: "Model sent upstream; * keeps the requested one (required)" });
  provider = Option.String("--provider", { description: `Only accounts of this provider: ${PROVIDERS.join(", ")}, google` });
  priority = Option.String("--priority", { description: "Lower is tried first (default 0)" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const from = this.pattern("--from", this.required("--from", this.from));
    const to = this.required("--to", this.to).trim();
    const priority = this.parseInteger("--priority", this.priority) ?? 0;
    let provider: Provider | undefined;
    if (this.provider !== undefined) {
      const p = this.provider.trim().toLowerCase();
      provider = (p === "google" ? "gemini" : p) as Provider;
      if (!(PROVIDERS as readonly string[]).includes(provider)) {
        this.usageError(`unknown provider "${this.provider}" (expected ${PROVIDERS.join(", ")}, or google)`);
      }
    }
    const route: ModelRoute = {
      id: newId("route"),
      source_model: from,
      target_model: to,
      ...(provider !== undefined && { target_provider: provider }),
      priority,
      enabled: true,
    };
    this.store().update((c) => void c.model_routes.push(route));
    this.output(this.json, route, () => `Added route ${route.id}\n${formatRoutes([route])}`);
  }

  private pattern(flag: string, value: string): string {
    const p = value.trim();
    if (p.includes("*") && p.indexOf("*") !== p.length - 1) this.usageError(`${flag} "${p}": only a trailing * is supported (exact, prefix*, *)`);
    return p;
  }
}
