/**
 * The real gateway (startServer, real sockets, the real router built from the config's `routing` section) in front
 * of fault upstreams, one per account, with the official `openai` and `@anthropic-ai/sdk` clients pointed at it.
 * The router's clock is the test's: breaker and cooldown periods pass when the test says so.
 */
import Anthropic from "@anthropic-ai/sdk";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { Config } from "../../src/config/schema.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { createRouter, type Router } from "../../src/routing/router.ts";
import { routingOptionsFromConfig } from "../../src/runtime/routing-options-from-config.ts";
import { startServer } from "../../src/runtime/start-server.ts";
import { type FaultMode, type FaultStep, type FaultUpstream, startFaultUpstream } from "../fakes/fault-upstream.ts";
import { account, type UpstreamKind } from "../resilience/harness.ts";
import { testKey } from "../support/test-app.ts";

export interface FaultGateway {
  /** One fault upstream per account, in config order; account ids are `up_a`, `up_b`, `up_c`… */
  upstreams: FaultUpstream[];
  router: Router;
  openai: OpenAI;
  anthropic: Anthropic;
  now(): number;
  advance(ms: number): void;
  stop(): Promise<void>;
}

export const NAMES = ["a", "b", "c", "d"];

export async function startFaultGateway(
  accounts: { kind: UpstreamKind; mode?: FaultMode | FaultStep }[],
  routing: Partial<Config["routing"]> = {},
  proxy: Partial<Config["proxy"]> = {},
): Promise<FaultGateway> {
  let now = Date.parse("2026-03-01T12:00:00Z");
  const clock = () => now;
  const upstreams = await Promise.all(accounts.map((a) => startFaultUpstream(a.mode ?? "ok")));
  const dir = mkdtempSync(join(tmpdir(), "lgw-fault-gateway-"));
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "f".repeat(64) });
  const key = testKey();
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts = accounts.map((a, i) => account(a.kind, upstreams[i]!.url, NAMES[i]!));
    c.routing = { ...c.routing, ...routing };
    c.proxy = { ...c.proxy, ...proxy };
    // CORS is off by default; on here, so tests see that the gateway's CORS headers survive an upstream's answer.
    c.server.cors_origins = ["*"];
  });
  const router = createRouter({ clock, options: routingOptionsFromConfig(store.load().routing) });
  const server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} }, router });
  return {
    upstreams,
    router,
    openai: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.raw, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: server.url, apiKey: key.raw, maxRetries: 0 }),
    now: clock,
    advance: (ms) => void (now += ms),
    async stop() {
      await server.shutdown(0);
      await Promise.all(upstreams.map((u) => u.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error a client call threw (fails the test when the call succeeded). */
export async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** One chat request with the client of that dialect; resolves to the assistant's text. */
export async function ask(g: FaultGateway, client: "openai" | "anthropic"): Promise<string> {
  if (client === "openai") {
    const r = await g.openai.chat.completions.create({ model: "fault-model", messages: [{ role: "user", content: "hi" }] });
    return r.choices[0]!.message.content ?? "";
  }
  const r = await g.anthropic.messages.create({ model: "fault-model", max_tokens: 32, messages: [{ role: "user", content: "hi" }] });
  return r.content[0]!.type === "text" ? r.content[0]!.text : "";
}
