/**
 * Vertex AI accounts through the running gateway: a service account's JSON key (sealed in the config) signs a JWT
 * with Web Crypto, a fake Google token endpoint verifies it with the public key and hands out access tokens, and a
 * fake Vertex AI (test/fakes/gemini-upstream.ts in vertex mode) checks the bearer token, the project and region in
 * the path, and the bodies as Google does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-upstream.ts";
import { type FakeGoogleTokens, startFakeGoogleTokens } from "../fakes/google-token-server.ts";
import { testAccount, testKey } from "../support/test-app.ts";
import { singleAccountRouter } from "./harness.ts";

const PROJECT = "proj-test";
const REGION = "us-central1";
let tokens: FakeGoogleTokens;
let vertex: FakeGemini;
let server: RunningServer;
let dir: string;
let gatewayKey: string;
let store: ConfigStore;

beforeAll(async () => {
  tokens = await startFakeGoogleTokens(PROJECT);
  vertex = startFakeGemini({ key: "unused", vertex: { project: PROJECT, region: REGION, token: () => tokens.current() } });
  dir = mkdtempSync(join(tmpdir(), "lgw-vertex-"));
  store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
  const key = testKey();
  const account = testAccount({ id: "up_vertex", provider: "vertex", base_url: vertex.url, project: PROJECT, region: REGION, api_key: store.cipher.encrypt(tokens.keyJson) });
  store.update((c) => {
    c.gateway_keys.push(key.key);
    c.upstream_accounts.push(account);
  });
  server = startServer({ store, host: "127.0.0.1", port: 0, version: "test", logSink: { write() {} }, router: singleAccountRouter(account.id) });
  gatewayKey = key.raw;
});
afterAll(async () => {
  await server.shutdown(0);
  await vertex.stop();
  await tokens.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  vertex.clearQueue();
  tokens.refuseWith(undefined);
});

const path = (model: string, method: string) => `/v1/projects/${PROJECT}/locations/${REGION}/publishers/google/models/${model}:${method}`;

describe("Vertex AI through the gateway", () => {
  test("one token for many requests; the JWT verified by the public key; the key stays sealed in the file", async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: gatewayKey, maxRetries: 0 });
    const before = tokens.issued.length;
    for (const text of ["one", "two"]) {
      vertex.enqueue({ parts: [{ text: `answer ${text}` }] });
      const r = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: text }] });
      expect(r.choices[0]!.message.content).toBe(`answer ${text}`);
    }
    expect(tokens.issued.length - before).toBeLessThanOrEqual(1);
    const sent = vertex.last();
    expect(sent.path).toBe(path("gemini-2.5-flash", "generateContent"));
    expect(sent.headers.authorization).toBe(`Bearer ${tokens.current()}`);
    expect(sent.headers["x-goog-api-key"]).toBeUndefined();
    expect(tokens.claims.at(-1)).toMatchObject({ iss: tokens.clientEmail, aud: tokens.url, scope: "https://www.googleapis.com/auth/cloud-platform" });
    const file = await Bun.file(store.path).text();
    expect(file).not.toContain("PRIVATE KEY");
    expect(file).not.toContain(tokens.clientEmail);
  });

  test("an Anthropic client streams a tool loop on a thinking model; the signature Vertex issued comes back", async () => {
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: gatewayKey, maxRetries: 0 });
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } }];
    vertex.enqueue({ parts: [{ functionCall: { name: "get_weather", args: { city: "Oslo" } } }] });
    const first = await anthropic.messages.stream({ model: "gemini-3-flash", max_tokens: 500, tools, messages: [{ role: "user", content: "Weather in Oslo?" }] }).finalMessage();
    expect(vertex.last().path).toBe(`${path("gemini-3-flash", "streamGenerateContent")}?alt=sse`);
    const use = first.content.find((b) => b.type === "tool_use")!;
    vertex.enqueue({ parts: [{ text: "Cold." }] });
    const second = await anthropic.messages.create({
      model: "gemini-3-flash", max_tokens: 500, tools,
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.type === "tool_use" ? use.id : "", content: "-5C" }] },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: "text", text: "Cold." });
    expect(vertex.issued).toContain(vertex.last().body.contents[1].parts[0].thoughtSignature);
  });

  test("@google/genai passes through: generateContent, a stream, countTokens (Vertex's own body form)", async () => {
    const ai = new GoogleGenAI({ apiKey: gatewayKey, httpOptions: { baseUrl: server.url } });
    vertex.enqueue({ parts: [{ text: "Hi from Vertex." }] });
    expect((await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi" })).text).toBe("Hi from Vertex.");
    vertex.enqueue({ parts: [{ text: "Streamed from Vertex." }] });
    let text = "";
    for await (const c of await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "hi" })) text += c.text ?? "";
    expect(text).toBe("Streamed from Vertex.");
    const count = await ai.models.countTokens({ model: "gemini-2.5-flash", contents: "count these" });
    expect(count.totalTokens).toBeGreaterThan(0);
    expect(vertex.last().path).toBe(path("gemini-2.5-flash", "countTokens"));
  });

  test("a token Vertex stops taking (401): one new token, the request retried once and served", async () => {
    tokens.revoke();
    const before = tokens.issued.length;
    vertex.enqueue({ parts: [{ text: "after refresh" }] });
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: gatewayKey, maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] });
    expect(r.choices[0]!.message.content).toBe("after refresh");
    expect(tokens.issued.length).toBe(before + 1);
    expect(vertex.requests.slice(-2).map((q) => q.method_name)).toEqual(["refused", "generateContent"]);
  });

  test("a key Google refuses (invalid_grant): the account's auth failure, no secret in the message", async () => {
    tokens.revoke();
    tokens.refuseWith("invalid_grant");
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: gatewayKey, maxRetries: 0 });
    const err = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(401);
    expect(err.message).toContain("invalid_grant");
    expect(err.message).not.toContain("PRIVATE");
  });
});
