/**
 * An account's `max_output_tokens` and `reasoning: false` shape the requests the gateway converts for it (what
 * Claude Code sends — a 32000-token limit and an effort — is more than many OpenAI-dialect models accept).
 * Through the app, with a fake upstream that records the body it receives.
 */
import { describe, expect, test } from "bun:test";
import type { UpstreamAccount } from "../../src/config/schema.ts";
import type { FetchFn } from "../../src/transport/upstream-fetch.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

const CHAT_ANSWER = {
  id: "chatcmpl-1", object: "chat.completion", created: 1, model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

async function sentUpstream(settings: Partial<UpstreamAccount>, body: Record<string, unknown>): Promise<Record<string, any>> {
  const k = testKey();
  const account = testAccount({ provider: "openai-compatible", base_url: "http://upstream.test/v1", ...settings });
  let sent: Record<string, any> | undefined;
  const fetch = (async (_url: string, init: RequestInit) => {
    sent = JSON.parse(init.body as string);
    return new Response(JSON.stringify(CHAT_ANSWER), { headers: { "content-type": "application/json" } });
  }) as unknown as FetchFn;
  const { request } = testApp(testConfig({ gateway_keys: [k.key], upstream_accounts: [account] }), { fetch, credentials: { [account.id]: "sk" } });
  const res = await request("/v1/messages", { json: body, headers: { "x-api-key": k.raw, "anthropic-version": "2023-06-01" } });
  expect(res.status).toBe(200);
  return sent!;
}

const CLAUDE_CODE_LIKE = {
  model: "m", max_tokens: 32000, messages: [{ role: "user", content: "hi" }],
  thinking: { type: "adaptive" }, output_config: { effort: "medium" },
};

describe("account settings for converted requests", () => {
  test("without settings: the client's limit and effort go upstream", async () => {
    const sent = await sentUpstream({}, CLAUDE_CODE_LIKE);
    expect(sent).toMatchObject({ max_tokens: 32000, reasoning_effort: "medium" });
  });

  test("max_output_tokens clamps the limit; reasoning: false drops the effort", async () => {
    const sent = await sentUpstream({ max_output_tokens: 8192, reasoning: false }, CLAUDE_CODE_LIKE);
    expect(sent.max_tokens).toBe(8192);
    expect(sent).not.toHaveProperty("reasoning_effort");
  });
});
