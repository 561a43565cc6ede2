import { expect, test } from "bun:test";
import { mergeConfig } from "./merge-config.ts";

const account = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id, provider: "mock", weight: 1, ...extra });

test("a side that changed nothing takes the other side's version", () => {
  const base = { server: { port: 1 }, upstream_accounts: [account("a")] };
  const theirs = { server: { port: 2 }, upstream_accounts: [account("a")] };
  expect(mergeConfig(base, base, theirs, "mine")).toEqual(theirs);
  expect(mergeConfig(base, theirs, base, "theirs")).toEqual(theirs);
});

test("changes to different fields of one account both survive (an edit here, tokens refreshed there)", () => {
  const base = { upstream_accounts: [account("a", { oauth: { access_token: "enc:v1:old" } }), account("b")] };
  const mine = { upstream_accounts: [account("a", { weight: 5, oauth: { access_token: "enc:v1:old" } }), account("b")] };
  const theirs = { upstream_accounts: [account("a", { oauth: { access_token: "enc:v1:new" } }), account("b")] };
  expect(mergeConfig(base, mine, theirs, "mine")).toEqual({
    upstream_accounts: [account("a", { weight: 5, oauth: { access_token: "enc:v1:new" } }), account("b")],
  });
});

test("items added on both sides, removed on one side; their order first", () => {
  const base = { model_routes: [{ id: "r1", source_model: "x" }, { id: "r2", source_model: "y" }] };
  const mine = { model_routes: [{ id: "r1", source_model: "x" }, { id: "r2", source_model: "y" }, { id: "mine", source_model: "m" }] };
  const theirs = { model_routes: [{ id: "r2", source_model: "y" }, { id: "theirs", source_model: "t" }] };
  expect(mergeConfig(base, mine, theirs, "mine")).toEqual({
    model_routes: [{ id: "r2", source_model: "y" }, { id: "theirs", source_model: "t" }, { id: "mine", source_model: "m" }],
  });
});

test("the same value changed on both sides: `prefer` decides", () => {
  const base = { server: { port: 1 } };
  expect(mergeConfig(base, { server: { port: 2 } }, { server: { port: 3 } }, "mine")).toEqual({ server: { port: 2 } });
  expect(mergeConfig(base, { server: { port: 2 } }, { server: { port: 3 } }, "theirs")).toEqual({ server: { port: 3 } });
});

test("no common base: both sides' items kept, everything else from the preferred side", () => {
  const mine = { gateway_keys: [{ id: "k-local" }], server: { port: 1 } };
  const theirs = { gateway_keys: [{ id: "k-cluster" }], server: { port: 2 }, routing: { strategy: "priority" } };
  expect(mergeConfig(undefined, mine, theirs, "theirs")).toEqual({
    gateway_keys: [{ id: "k-cluster" }, { id: "k-local" }],
    server: { port: 2 },
    routing: { strategy: "priority" },
  });
});
