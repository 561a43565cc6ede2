import { Command, Option } from "clipanion";
import { addRoute } from "../../config/edits/model-routes.ts";
import { PROVIDERS } from "../../config/schema.ts";
import { BaseCommand } from "../base-command.ts";
import { ROUTE_OPTION_NAMES } from "../edit-names.ts";
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
    const priority = this.parseInteger("--priority", this.priority);
    const route = addRoute(
      this.store(),
      {
        source_model: this.required("--from", this.from),
        target_model: this.required("--to", this.to),
        ...(this.provider !== undefined && { target_provider: this.provider }),
        ...(priority !== undefined && { priority }),
      },
      { names: ROUTE_OPTION_NAMES },
    );
    this.output(this.json, route, () => `Added route ${route.id}\n${formatRoutes([route])}`);
  }
}
