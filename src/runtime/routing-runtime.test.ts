import { expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { Config, type UpstreamAccount } from "../config/schema.ts";
import { createRoutingRuntime } from "./routing-runtime.ts";

const acct = (id: string, extra: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  id,
  name: id,
  type: "api-key",
  provider: "openai",
  weight: 1,
  priority: 0,
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
  ...extra,
});
const config = (...accounts: UpstreamAccount[]): Config => ({ ...(Value.Default(Config, {}) as Config), upstream_accounts: accounts });

test("reloads: a removed account is forgotten; an account enabled again starts clean; other edits keep health", () => {
  const initial = config(acct("a"), acct("b"), acct("c"));
  const rt = createRoutingRuntime({ initial, config: () => initial, clock: () => 1_000_000, upstream: { fetch: fetch as never, mockFetch: fetch as never, credential: () => undefined } });
  const { registry } = rt.router;
  for (let i = 0; i < 5; i++) registry.report("a", { kind: "network" });
  registry.report("b", { kind: "http", status: 429, headers: new Headers({ "retry-after": "60" }) });
  registry.report("c", { kind: "http", status: 401, headers: new Headers() });

  rt.onConfigChange(config(acct("a", { status: "disabled" }), acct("b", { weight: 3 }), acct("c")));
  expect(registry.status("a").state).toBe("circuit_open"); // disabling alone changes nothing
  expect(registry.status("b").state).toBe("cooling"); // an unrelated edit keeps the cooldown

  rt.onConfigChange(config(acct("a"), acct("b", { weight: 3 })));
  expect(registry.status("a")).toMatchObject({ state: "healthy", breaker: "closed", consecutiveFailures: 0 });
  expect(registry.status("b").state).toBe("cooling");
  expect(registry.status("c")).toMatchObject({ state: "healthy", lastFailure: undefined }); // removed: forgotten
});
