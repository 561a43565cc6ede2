import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { formatRoutes } from "./format-routes.ts";

export class RouteListCommand extends BaseCommand {
  static override paths = [["route", "list"]];
  static override usage = Command.Usage({ category: "Model routes", description: "list model routes" });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  run() {
    const routes = this.store().load().model_routes;
    this.output(this.json, routes, () =>
      routes.length ? formatRoutes(routes) : "No model routes: requested model names pass through unchanged.",
    );
  }
}
