/**
 * Claude Code itself against the gateway (it runs offline against a local base URL; what it sends:
 * src/dialects/README.md "What real clients send").
 * Runs when CLAUDE_CODE_BIN points at a `claude` executable (.ci/run installs one); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitToolCallId } from "../../src/canonical/tool-call-id.ts";
import { type GeminiClientHarness, startGeminiClientHarness } from "./gemini-client-harness.ts";
import { anthropicSse, openaiSse, startHarness, type Harness } from "./harness.ts";

const bin = process.env.CLAUDE_CODE_BIN;

async function claude(h: Pick<Harness, "server" | "gatewayKey">, prompt: string, extra: string[] = []) {
  const home = mkdtempSync(join(tmpdir(), "lgw-cc-"));
  try {
    const p = Bun.spawn([bin!, "-p", prompt, "--output-format", "json", ...extra], {
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        ANTHROPIC_BASE_URL: h.server.url,
        ANTHROPIC_API_KEY: h.gatewayKey,
        DISABLE_TELEMETRY: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`claude exited ${code}: ${err || out}`);
    return JSON.parse(out) as { result: string; is_error: boolean; stop_reason: string; num_turns: number };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-cc",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-x",
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usage = { id: "chatcmpl-cc", object: "chat.completion.chunk", created: 1, model: "gpt-x", choices: [], usage: { prompt_tokens: 50, completion_tokens: 5, total_tokens: 55 } };

describe.skipIf(!bin)("Claude Code through the gateway", () => {
  describe("to an OpenAI-compatible upstream (Anthropic → OpenAI conversion)", () => {
    let h: Harness;
    beforeAll(() => (h = startHarness("openai-compatible")));
    afterAll(() => h.stop());

    test("a full Bash tool round trip", async () => {
      h.upstream.enqueue(
        { sse: openaiSse([chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_cc1", type: "function", function: { name: "Bash", arguments: "" } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '{"command":"echo gateway-ok",' } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '"description":"print"}' } }] }), chunk({}, "tool_calls"), usage]) },
        { sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "The command printed " }), chunk({ content: "gateway-ok." }), chunk({}, "stop"), usage]) },
      );
      const r = await claude(h, "run echo gateway-ok", ["--allowedTools", "Bash"]);
      expect(r.is_error).toBe(false);
      expect(r.result).toBe("The command printed gateway-ok.");
      const [first, second] = h.upstream.requests.slice(-2);
      expect(first!.path).toBe("/v1/chat/completions");
      expect(first!.body.stream).toBe(true);
      expect(first!.body.stream_options).toEqual({ include_usage: true });
      expect(first!.body.tools.some((t: any) => t.function.name === "Bash")).toBe(true);
      const toolMsg = second!.body.messages.find((m: any) => m.role === "tool");
      expect(toolMsg.tool_call_id).toBe("call_cc1");
      expect(JSON.stringify(toolMsg.content)).toContain("gateway-ok");
      const assistant = second!.body.messages.findLast((m: any) => m.role === "assistant");
      expect(assistant.tool_calls[0]).toMatchObject({ id: "call_cc1", type: "function", function: { name: "Bash" } });
      expect(JSON.parse(assistant.tool_calls[0].function.arguments).command).toBe("echo gateway-ok");
    }, 60_000);
  });

  describe("to an Anthropic upstream (passthrough)", () => {
    let h: Harness;
    beforeAll(() => (h = startHarness("anthropic")));
    afterAll(() => h.stop());

    test("the stream reaches Claude Code byte for byte and its betas reach the upstream", async () => {
      h.upstream.enqueue({
        sse: anthropicSse(
          { type: "message_start", message: { id: "msg_cc", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } },
          { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello through the gateway" } },
          { type: "content_block_stop", index: 0 },
          { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 5 } },
          { type: "message_stop" },
        ),
      });
      const r = await claude(h, "say hello");
      expect(r.result).toBe("Hello through the gateway");
      const req = h.upstream.last();
      expect(req.path).toBe("/v1/messages");
      expect(req.headers["anthropic-beta"]).toContain("claude-code-20250219");
      expect(req.headers["x-api-key"]).toBe("sk-test-upstream-secret");
      expect(req.body.stream).toBe(true);
    }, 60_000);
  });

  describe("to a native Gemini account (the fake validates as Google's API does)", () => {
    let h: GeminiClientHarness;
    beforeAll(() => (h = startGeminiClientHarness("gemini")));
    afterAll(() => h.stop());

    test("a plain answer", async () => {
      h.gemini!.enqueue({ parts: [{ text: "Hello through Gemini." }] });
      const r = await claude(h, "say hello", ["--model", "gemini-2.5-flash"]);
      expect(r.result).toBe("Hello through Gemini.");
      const req = h.gemini!.last();
      expect(req.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
      expect(req.headers["x-goog-api-key"]).toBe("sk-test-upstream-secret");
    }, 60_000);

    test("a Bash tool round trip on a thinking model: the call's signature comes back on the next turn", async () => {
      h.gemini!.enqueue(
        { parts: [{ functionCall: { name: "Bash", args: { command: "echo gateway-ok", description: "print" } } }] },
        { parts: [{ text: "The command printed gateway-ok." }] },
      );
      const before = h.gemini!.requests.length;
      const r = await claude(h, "run echo gateway-ok", ["--model", "gemini-3-flash-preview", "--allowedTools", "Bash"]);
      expect(r.is_error).toBe(false);
      expect(r.result).toBe("The command printed gateway-ok.");
      const [first, second] = h.gemini!.requests.slice(before).filter((q) => q.model === "gemini-3-flash-preview");
      expect(first!.body.tools[0].functionDeclarations.some((f: any) => f.name === "Bash")).toBe(true);
      const turn = second!.body.contents.findLast((c: any) => c.role === "model");
      const call = turn.parts.find((p: any) => p.functionCall);
      expect(call.functionCall).toMatchObject({ name: "Bash", args: { command: "echo gateway-ok" } });
      // The one signature the fake issued for the call (the fake refuses a thinking model's call without it).
      expect(h.gemini!.issued).toContain(call.thoughtSignature);
      expect(splitToolCallId(call.functionCall.id).signature).toBeUndefined();
      const response = second!.body.contents.at(-1).parts.find((p: any) => p.functionResponse).functionResponse;
      expect(response).toMatchObject({ name: "Bash", id: call.functionCall.id });
      expect(JSON.stringify(response.response)).toContain("gateway-ok");
    }, 60_000);
  });
});
