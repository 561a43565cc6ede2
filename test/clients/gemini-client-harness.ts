/**
 * The real gateway (startServer, real sockets) for Gemini clients — @google/genai, Gemini CLI — in front of one
 * upstream of each kind: Anthropic, OpenAI Chat, OpenAI Responses (recording fakes answering in their dialect),
 * a native Gemini account (the fake that validates like Google's API: passthrough), or the built-in mock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DialectName } from "../../src/canonical/model.ts";
import type { UpstreamAccount } from "../../src/config/schema.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { type Answer, upstreamReply } from "../fakes/dialect-replies.ts";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-upstream.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../fakes/recording-upstream.ts";
import { testAccount, testKey } from "../support/test-app.ts";
import { singleAccountRouter, UPSTREAM_KEY } from "./harness.ts";

export const UPSTREAM_KINDS = ["anthropic", "openai-chat", "openai-responses", "gemini", "mock"] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

const DIALECT: Record<Exclude<UpstreamKind, "gemini" | "mock">, DialectName> = {
  anthropic: "anthropic-messages",
  "openai-chat": "openai-chat",
  "openai-responses": "openai-responses",
};

export interface GeminiClientHarness {
  kind: UpstreamKind;
  server: RunningServer;
  gatewayKey: string;
  /** The recording fake (Anthropic, OpenAI Chat, Responses). */
  recording?: RecordingUpstream;
  /** The fake Gemini API (passthrough). */
  gemini?: FakeGemini;
  /** Queues the upstream's next answer; `stream`: whether that request streams (recording fakes answer SSE then). */
  answer(a: Answer, stream: boolean): void;
  /** Queues a raw reply for the recording fake (a count_tokens answer). */
  enqueueRaw(json: unknown): void;
  /** The bodies the upstream received, in order, with their paths. */
  received(): { path: string; body: any }[];
  stop(): Promise<void>;
}

export function startGeminiClientHarness(kind: UpstreamKind): GeminiClientHarness {
  const dir = mkdtempSync(join(tmpdir(), "lgw-gemini-clients-"));
  const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
  const key = testKey();
  const recording = kind === "gemini" || kind === "mock" ? undefined : startRecordingUpstream();
  const gemini = kind === "gemini" ? startFakeGemini({ key: UPSTREAM_KEY }) : undefined;
  const sealed = store.cipher.encrypt(UPSTREAM_KEY);
  const accounts: Record<UpstreamKind, () => Partial<UpstreamAccount>> = {
    anthropic: () => ({ provider: "anthropic", base_url: recording!.url, api_key: sealed }),
    "openai-chat": () => ({ provider: "openai-compatible", base_url: `${recording!.url}/v1`, api_key: sealed }),
    "openai-responses": () => ({ provider: "openai", base_url: `${recording!.url}/v1`, api_key: sealed, responses_models: ["*"] }),
    gemini: () => ({ provider: "gemini", base_url: gemini!.url, api_key: sealed }),
    mock: () => ({ provider: "mock" }),
  };
  const account = testAccount(accounts[kind]());
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(account);
  });
  const server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} }, router: singleAccountRouter(account.id) });
  return {
    kind,
    server,
    gatewayKey: key.raw,
    recording,
    gemini,
    answer(a, stream) {
      if (recording) recording.enqueue(upstreamReply(DIALECT[kind as keyof typeof DIALECT], a, stream));
      else if (gemini) gemini.enqueue({ parts: ["text" in a ? { text: a.text } : { functionCall: { name: a.call.name, args: a.call.args, id: a.call.id } }] });
    },
    enqueueRaw: (json) => recording?.enqueue({ json }),
    received: () =>
      recording ? recording.requests.map((r) => ({ path: r.path, body: r.body })) : (gemini?.requests ?? []).map((r) => ({ path: r.path, body: r.body })),
    async stop() {
      await server.shutdown(0);
      await recording?.stop();
      await gemini?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
