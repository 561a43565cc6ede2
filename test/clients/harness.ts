/**
 * Runs the real gateway (startServer, real sockets) in front of a recording fake upstream, with the official
 * `openai` and `@anthropic-ai/sdk` clients pointed at it. One account, chosen by the test, receives everything.
 */
import Anthropic from "@anthropic-ai/sdk";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { Provider } from "../../src/config/schema.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { createRouter, type Router } from "../../src/routing/router.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../fakes/recording-upstream.ts";
import { testAccount, testKey } from "../support/test-app.ts";

export const UPSTREAM_KEY = "sk-test-upstream-secret";

/**
 * Every request goes to one account; `rewrite` plays the part of a model route. Health bookkeeping is off
 * (report/begin/end are no-ops) so an error scenario cannot put the account in cooldown for the next test.
 */
export function singleAccountRouter(accountId: string, rewrite: (model: string) => string = (m) => m): Router {
  const base = createRouter({ clock: Date.now });
  return {
    ...base,
    plan: ({ accounts }, model) => ({
      targetModel: rewrite(model),
      candidates: accounts.filter((a) => a.id === accountId),
      excluded: [],
      strategy: "health-first",
    }),
    report() {},
    begin: () => true,
    end() {},
  };
}

export interface Harness {
  upstream: RecordingUpstream;
  server: RunningServer;
  /** Request bodies exactly as the SDK clients put them on the wire, in order. */
  clientSent: string[];
  /** The SDK clients' request headers (lower-cased names), in the same order. */
  clientHeaders: Record<string, string>[];
  /** The raw gateway key the clients use. */
  gatewayKey: string;
  openai: OpenAI;
  anthropic: Anthropic;
  /** Routes the client's model name to another upstream model (a model route), or back to identity. */
  setRewrite(fn: ((model: string) => string) | undefined): void;
  stop(): Promise<void>;
}

/**
 * `provider`: "anthropic" or "gemini" (base_url without path: the gateway appends /v1/messages or /v1beta/models/…),
 * an OpenAI flavour (base_url ending in /v1, as users configure OpenAI-compatible servers), or "mock" (answers in
 * process: the recording upstream gets nothing).
 */
export function startHarness(provider: Extract<Provider, "anthropic" | "openai" | "openai-compatible" | "gemini" | "mock">): Harness {
  const upstream = startRecordingUpstream();
  const dir = mkdtempSync(join(tmpdir(), "lgw-clients-"));
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
  const key = testKey();
  const account = testAccount({
    provider,
    base_url: provider === "mock" ? undefined : provider === "anthropic" || provider === "gemini" ? upstream.url : `${upstream.url}/v1`,
    api_key: store.cipher.encrypt(UPSTREAM_KEY),
  });
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(account);
  });
  let rewrite: ((m: string) => string) | undefined;
  const clientSent: string[] = [];
  const clientHeaders: Record<string, string>[] = [];
  // Both SDKs accept a fetch; this one notes the exact body bytes before sending them on.
  const recordingFetch = (async (input: any, init?: RequestInit) => {
    if (typeof init?.body === "string") clientSent.push(init.body);
    else if (init?.body) clientSent.push(new TextDecoder().decode(init.body as ArrayBuffer));
    const hs: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (hs[k] = v));
    clientHeaders.push(hs);
    return fetch(input, init);
  }) as typeof fetch;
  const server = startServer({
    store,
    host: "127.0.0.1",
    port: 0,
    version: "test",
    logSink: { write() {} },
    router: singleAccountRouter(account.id, (m) => (rewrite ? rewrite(m) : m)),
  });
  return {
    upstream,
    server,
    clientSent,
    clientHeaders,
    gatewayKey: key.raw,
    openai: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.raw, maxRetries: 0, fetch: recordingFetch }),
    anthropic: new Anthropic({ baseURL: server.url, apiKey: key.raw, maxRetries: 0, fetch: recordingFetch }),
    setRewrite: (fn) => void (rewrite = fn),
    async stop() {
      await server.shutdown(0);
      await upstream.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const FIXTURES = join(import.meta.dir, "__fixtures__");
const DIALECTS = join(import.meta.dir, "../../src/dialects");

/**
 * A recorded wire fixture's text (`.sse`): `name` from test/clients/__fixtures__, or `dialect/name` for the samples
 * the dialect tests use too (src/dialects/<dialect>/__fixtures__), kept once.
 */
export const fixtureText = (name: string) => {
  const slash = name.indexOf("/");
  const path = slash < 0 ? join(FIXTURES, name) : join(DIALECTS, name.slice(0, slash), "__fixtures__", name.slice(slash + 1));
  return readFileSync(path, "utf8");
};
/** A recorded wire fixture parsed as JSON (`.json`), named as for fixtureText. */
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name));

/** Builds an Anthropic Messages SSE stream from event objects (`event:` line = data.type). */
export const anthropicSse = (...events: Record<string, unknown>[]) =>
  events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");

/** Builds an OpenAI Chat SSE stream from chunk objects, `[DONE]` appended unless `done` is false. */
export const openaiSse = (chunks: Record<string, unknown>[], done = true) =>
  chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");

/** A complete Anthropic Messages response body. */
export function anthropicMessage(over: {
  content?: unknown[];
  stop_reason?: string;
  stop_sequence?: string | null;
  usage?: Record<string, unknown>;
  model?: string;
  id?: string;
}) {
  return {
    id: over.id ?? "msg_01XFDUDYJgAACzvnptvVoYEL",
    type: "message",
    role: "assistant",
    model: over.model ?? "claude-sonnet-4-5-20250929",
    content: over.content ?? [{ type: "text", text: "Hello!" }],
    stop_reason: over.stop_reason ?? "end_turn",
    stop_sequence: over.stop_sequence ?? null,
    usage: over.usage ?? { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

/** A complete OpenAI chat.completion body. */
export function openaiCompletion(over: {
  message?: Record<string, unknown>;
  finish_reason?: string;
  usage?: Record<string, unknown>;
  model?: string;
  id?: string;
}) {
  return {
    id: over.id ?? "chatcmpl-AbCdEf123",
    object: "chat.completion",
    created: 1723031664,
    model: over.model ?? "gpt-4o-2024-08-06",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hello!", refusal: null, ...over.message },
        logprobs: null,
        finish_reason: over.finish_reason ?? "stop",
      },
    ],
    usage: over.usage ?? { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
  };
}

/** A chat.completion.chunk with the fixed id/created/model the fixtures use. */
export const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-gen",
  object: "chat.completion.chunk",
  created: 1723031664,
  model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

/** A 1x1 transparent PNG, base64. */
export const PNG_1PX =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
