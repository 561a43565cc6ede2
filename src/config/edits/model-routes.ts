import type { ModelRoute, RoutingStrategy } from "../schema.ts";
import { ROUTING_STRATEGIES } from "../schema.ts";
import type { ConfigStore } from "../store.ts";
import { invalid, type EditOptions, type FieldNames } from "./edit-error.ts";
import { findIndex } from "./find-item.ts";
import { checkModelPatterns } from "./model-patterns.ts";
import { newId } from "./new-id.ts";
import { checkProvider } from "./upstream-accounts.ts";

/**
 * Model routes: add, change (priority, enabled, targets), remove. The one place these changes are made; the CLI
 * (`route …`) and the admin API call these functions.
 */
export interface RouteChanges {
  source_model?: string;
  target_model?: string;
  /** null: any provider. */
  target_provider?: string | null;
  priority?: number;
  enabled?: boolean;
  /** null: the global `routing.strategy`. */
  strategy?: string | null;
}

export function addRoute(
  store: Pick<ConfigStore, "update">,
  input: RouteChanges & { source_model: string; target_model: string },
  opts: EditOptions = {},
): ModelRoute {
  const route: ModelRoute = { id: newId("route"), source_model: "", target_model: "", priority: 0, enabled: true };
  applyRouteChanges(route, input, opts.names);
  store.update((c) => void c.model_routes.push(route));
  return route;
}

export function updateRoute(store: Pick<ConfigStore, "update">, ref: string, changes: RouteChanges, opts: EditOptions = {}): ModelRoute {
  return store.update((c) => {
    const route = c.model_routes[findIndex(c.model_routes, ref, "model route")]!;
    applyRouteChanges(route, changes, opts.names);
    return structuredClone(route);
  });
}

export function removeRoute(store: Pick<ConfigStore, "update">, ref: string): ModelRoute {
  return store.update((c) => c.model_routes.splice(findIndex(c.model_routes, ref, "model route"), 1)[0]!);
}

function applyRouteChanges(route: ModelRoute, c: RouteChanges, names: FieldNames | undefined): void {
  if (c.source_model !== undefined) {
    const [from] = checkModelPatterns([c.source_model], "source_model", names);
    if (from === undefined) throw invalid(names, "source_model", (l) => `${l} must not be empty`);
    route.source_model = from;
  }
  if (c.target_model !== undefined) {
    const to = c.target_model.trim();
    if (!to) throw invalid(names, "target_model", (l) => `${l} must not be empty`);
    route.target_model = to;
  }
  if (c.target_provider !== undefined) {
    if (c.target_provider === null) delete route.target_provider;
    else route.target_provider = checkProvider(c.target_provider, names);
  }
  if (c.priority !== undefined) {
    if (!Number.isInteger(c.priority)) throw invalid(names, "priority", (l) => `${l} must be a whole number, got ${c.priority}`);
    route.priority = c.priority;
  }
  if (c.enabled !== undefined) route.enabled = c.enabled;
  if (c.strategy !== undefined) {
    if (c.strategy === null) delete route.strategy;
    else if (!(ROUTING_STRATEGIES as readonly string[]).includes(c.strategy)) {
      throw invalid(names, "strategy", (l) => `${l}: unknown strategy "${c.strategy}" (expected ${ROUTING_STRATEGIES.join(", ")})`);
    } else route.strategy = c.strategy as RoutingStrategy;
  }
}
