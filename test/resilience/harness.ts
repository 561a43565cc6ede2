/**
 * Shared set-up for the resilience proof: the real app (createApp through testApp) with the real router built
 * from the config's `routing` section, in front of fault upstreams on real sockets, and client helpers that
 * read whole answers in each client dialect.
 */
import type { Config, UpstreamAccount } from "../../src/config/schema.ts";
import { createRouter, type Router } from "../../src/routing/router.ts";
import { routingOptionsFromConfig } from "../../src/runtime/routing-options-from-config.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { createSseParser } from "../../src/transport/sse-parser.ts";
import { startFaultUpstream, type FaultMode, type FaultStep, type FaultUpstream } from "../fakes/fault-upstream.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

export type ClientDialect = "openai" | "anthropic";
export type UpstreamKind = "openai-compatible" | "anthropic";

export interface Upstream {
  url: string;
  stop(): Promise<void>;
}

export interface Rig {
  accounts: UpstreamAccount[];
  router: Router;
  config: Config;
  /** One client request; `json` is set for JSON answers, `events` for SSE ones. */
  ask(client: ClientDialect, opts?: { stream?: boolean; headers?: Record<string, string>; body?: Record<string, unknown> }): Promise<Answer>;
  setConfig(c: Config): void;
}

export interface Answer {
  status: number;
  headers: Headers;
  json?: any;
  events?: { event?: string; data: string }[];
  /** The assistant text, when the answer is a success. */
  text?: string;
  /** Stream: the client dialect's terminator arrived. */
  completed?: boolean;
  /** An in-stream error event, parsed. */
  streamError?: any;
}

export const fastProxy = { first_byte_timeout: 0.25, stream_idle_timeout: 0.25, total_timeout: 5, max_attempts: 3 };

/** The config a rig runs with: small timeouts, `priority` so accounts are tried in config order. */
export function rigConfig(accounts: UpstreamAccount[], patch: { proxy?: Partial<Config["proxy"]>; routing?: Partial<Config["routing"]> } = {}): { config: Config; raw: string } {
  const base = testConfig();
  const k = testKey();
  const config = testConfig({
    gateway_keys: [k.key],
    upstream_accounts: accounts,
    proxy: { ...base.proxy, ...fastProxy, ...patch.proxy },
    routing: { ...base.routing, strategy: "priority", failure_threshold: 1, ...patch.routing },
  });
  return { config, raw: k.raw };
}

export function account(kind: UpstreamKind, url: string, name: string): UpstreamAccount {
  return testAccount({ id: `up_${name}`, name, provider: kind, base_url: url, models: ["*"], api_key: undefined });
}

export function makeRig(
  accounts: UpstreamAccount[],
  opts: { patch?: Parameters<typeof rigConfig>[1]; clock?: () => number; fetch?: FetchFn } = {},
): Rig {
  const { config, raw } = rigConfig(accounts, opts.patch);
  const router = createRouter({ clock: opts.clock ?? Date.now, options: routingOptionsFromConfig(config.routing) });
  const t = testApp(config, { router, fetch: opts.fetch ?? (fetch as FetchFn) });
  return {
    accounts,
    router,
    config,
    setConfig: t.setConfig,
    async ask(client, o = {}) {
      const stream = o.stream ?? false;
      const body =
        client === "openai"
          ? { model: "fault-model", stream, messages: [{ role: "user", content: "hi" }], ...o.body }
          : { model: "fault-model", stream, max_tokens: 64, messages: [{ role: "user", content: "hi" }], ...o.body };
      const res = await t.request(client === "openai" ? "/v1/chat/completions" : "/v1/messages", {
        method: "POST",
        json: body,
        headers: { authorization: `Bearer ${raw}`, ...(client === "anthropic" && { "anthropic-version": "2023-06-01" }), ...o.headers },
      });
      return readAnswer(client, res);
    },
  };
}

/** Reads a whole response (JSON or SSE) and extracts the text, terminator and error event in the client's dialect. */
export async function readAnswer(client: ClientDialect, res: Response): Promise<Answer> {
  const raw = await res.text();
  const out: Answer = { status: res.status, headers: res.headers };
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    out.json = JSON.parse(raw);
    if (res.status === 200) out.text = client === "openai" ? out.json.choices[0].message.content : out.json.content[0].text;
    return out;
  }
  const parser = createSseParser();
  const events = [...parser.push(raw), ...parser.end()];
  out.events = events;
  let text = "";
  for (const ev of events) {
    if (client === "openai") {
      if (ev.data === "[DONE]") {
        out.completed = true;
        continue;
      }
      const d = JSON.parse(ev.data);
      if (d.error) out.streamError = d;
      else text += d.choices?.[0]?.delta?.content ?? "";
    } else {
      const d = JSON.parse(ev.data);
      if (ev.event === "error") out.streamError = d;
      if (ev.event === "message_stop") out.completed = true;
      if (d.type === "content_block_delta" && d.delta?.type === "text_delta") text += d.delta.text;
    }
  }
  out.text = text;
  return out;
}

/** Asserts the body is an error in the client's own dialect; returns its type. */
export function errorType(client: ClientDialect, json: any): string {
  if (client === "anthropic") {
    if (json?.type !== "error" || typeof json.error?.type !== "string" || typeof json.error?.message !== "string") throw new Error(`not an Anthropic error: ${JSON.stringify(json)}`);
    return json.error.type;
  }
  if (typeof json?.error?.message !== "string" || typeof json.error.type !== "string") throw new Error(`not an OpenAI error: ${JSON.stringify(json)}`);
  return json.error.type;
}

/** Fault upstreams, stopped by stopAll(). */
export function upstreamPool() {
  const started: FaultUpstream[] = [];
  return {
    async start(mode: FaultMode | FaultStep = "ok") {
      const u = await startFaultUpstream(mode);
      started.push(u);
      return u;
    },
    async stopAll() {
      await Promise.all(started.splice(0).map((u) => u.stop()));
    },
  };
}

/**
 * A tiny upstream answering every POST with a fixed status (401, 403, 400, …) or a success, switchable, and
 * `GET …/models` with its own switch (the active probe's target). Real socket, port 0.
 */
export function statusUpstream(initial: { post: number; models?: number }) {
  let post = initial.post;
  let models = initial.models ?? 200;
  const seen: { method: string; path: string }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      seen.push({ method: req.method, path });
      if (req.method === "GET") {
        return models === 200 ? Response.json({ object: "list", data: [{ id: "fault-model", object: "model" }] }) : Response.json({ error: { message: "bad key", type: "authentication_error" } }, { status: models });
      }
      const body = (await req.json()) as { model: string };
      if (post !== 200) {
        const error = path.endsWith("/messages")
          ? { type: "error", error: { type: post === 400 ? "invalid_request_error" : post === 401 ? "authentication_error" : "permission_error", message: `status ${post}` } }
          : { error: { message: `status ${post}`, type: post === 400 ? "invalid_request_error" : "authentication_error", param: null, code: null } };
        return Response.json(error, { status: post });
      }
      return path.endsWith("/messages")
        ? Response.json({ id: "msg_1", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: "from status upstream" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } })
        : Response.json({ id: "c1", object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: "from status upstream" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    seen,
    setPost: (s: number) => void (post = s),
    setModels: (s: number) => void (models = s),
    stop: () => server.stop(true),
  };
}
