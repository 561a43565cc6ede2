import { describe, expect, test } from "bun:test";
import { resolveRoute, type RouteRule } from "./resolve-route.ts";

const route = (id: string, source_model: string, target_model: string, extra: Partial<RouteRule> = {}): RouteRule => ({
  id,
  source_model,
  target_model,
  priority: 0,
  enabled: true,
  ...extra,
});

describe("resolveRoute", () => {
  test("no route: the name passes through", () => {
    expect(resolveRoute([], "gpt-4o")).toEqual({ targetModel: "gpt-4o" });
    expect(resolveRoute([route("r", "claude*", "x")], "gpt-4o")).toEqual({ targetModel: "gpt-4o" });
  });
  test("exact beats prefix beats star when priorities tie, whatever the order", () => {
    const routes = [route("star", "*", "s"), route("prefix", "gpt-4*", "p"), route("exact", "gpt-4o", "e")];
    expect(resolveRoute(routes, "gpt-4o").routeId).toBe("exact");
    expect(resolveRoute(routes, "gpt-4-turbo").routeId).toBe("prefix");
    expect(resolveRoute(routes, "llama").routeId).toBe("star");
  });
  test("a longer prefix beats a shorter one", () => {
    const routes = [route("short", "gpt*", "a"), route("long", "gpt-4o*", "b")];
    expect(resolveRoute(routes, "gpt-4o-mini").targetModel).toBe("b");
  });
  test("lower priority number wins over specificity", () => {
    const routes = [route("exact", "gpt-4o", "e", { priority: 5 }), route("star", "*", "s", { priority: 1 })];
    expect(resolveRoute(routes, "gpt-4o").routeId).toBe("star");
  });
  test("config order breaks a full tie", () => {
    const routes = [route("first", "gpt*", "a"), route("second", "gpt*", "b")];
    expect(resolveRoute(routes, "gpt-4o").routeId).toBe("first");
  });
  test("disabled routes are ignored", () => {
    const routes = [route("off", "gpt-4o", "x", { enabled: false }), route("on", "gpt*", "y")];
    expect(resolveRoute(routes, "gpt-4o").routeId).toBe("on");
  });
  test("target provider and strategy come along; target `*` keeps the name", () => {
    const r = resolveRoute([route("r", "claude*", "*", { target_provider: "openai-compatible", strategy: "least-latency" })], "claude-3");
    expect(r).toEqual({ targetModel: "claude-3", targetProvider: "openai-compatible", routeId: "r", strategy: "least-latency" });
  });
  test("canServe skips routes nobody can serve, so a lower route is a fallback", () => {
    const routes = [route("primary", "big", "claude-opus", { priority: 0 }), route("fallback", "big", "gpt-4o", { priority: 1 })];
    expect(resolveRoute(routes, "big", (m) => m === "gpt-4o").routeId).toBe("fallback");
    expect(resolveRoute(routes, "big", () => true).routeId).toBe("primary");
    // Nothing servable: the name passes through (and the router then answers 404).
    expect(resolveRoute(routes, "big", () => false)).toEqual({ targetModel: "big" });
  });
});
