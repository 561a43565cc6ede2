import type { ModelRoute, Provider } from "../config/schema.ts";
import { matchModel } from "./match-model.ts";
import type { RoutingStrategy } from "./routing-options.ts";

/** A model route as the router reads it: the config's ModelRoute, whose optional `strategy` orders the accounts of the requests it matches. */
export type RouteRule = ModelRoute & { strategy?: RoutingStrategy };

export interface ResolvedRoute {
  /** Model name to send upstream. */
  targetModel: string;
  /** Only accounts of this provider may serve it. */
  targetProvider?: Provider;
  /** The route that applied, if any. */
  routeId?: string;
  strategy?: RoutingStrategy;
}

/**
 * Maps a requested model name through `model_routes`.
 * Order: lower `priority` number first (the same convention as account priority tiers), then the more
 * specific `source_model` (exact, then longer prefix, then `*`), then config order. Disabled routes are
 * ignored. A `target_model` of `*` keeps the requested name (a route that only pins a provider).
 * `canServe` lets the caller skip a route no enabled account can serve, so a lower route acts as a
 * fallback mapping; without it the first matching route wins. No route matches: the name passes through.
 */
export function resolveRoute(
  routes: readonly RouteRule[],
  model: string,
  canServe?: (targetModel: string, targetProvider: Provider | undefined) => boolean,
): ResolvedRoute {
  const matches: { route: RouteRule; specificity: number; index: number }[] = [];
  routes.forEach((route, index) => {
    if (route.enabled === false) return;
    const specificity = matchModel(route.source_model, model);
    if (specificity !== undefined) matches.push({ route, specificity, index });
  });
  matches.sort(
    (a, b) => (a.route.priority ?? 0) - (b.route.priority ?? 0) || b.specificity - a.specificity || a.index - b.index,
  );
  for (const { route } of matches) {
    const targetModel = route.target_model === "*" ? model : route.target_model;
    if (canServe && !canServe(targetModel, route.target_provider)) continue;
    return { targetModel, targetProvider: route.target_provider, routeId: route.id, strategy: route.strategy };
  }
  return { targetModel: model };
}
