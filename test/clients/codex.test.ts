/**
 * Codex CLI itself against the gateway, over an Anthropic and an OpenAI Chat upstream (it runs offline against a
 * local base URL; what it sends: src/dialects/README.md "What real clients send"). A custom provider points it at
 * the gateway's `/v1` with `wire_api = "responses"`, the only API it speaks.
 * Runs when CODEX_BIN points at a `codex` executable (.ci/run installs one); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anthropicSse, chunk, openaiSse, startHarness, type Harness } from "./harness.ts";

const bin = process.env.CODEX_BIN;
const runnable = (() => {
  if (!bin) return "CODEX_BIN is not set";
  try {
    const p = Bun.spawnSync([bin, "--version"], { stdout: "pipe", stderr: "pipe" });
    return p.exitCode === 0 ? undefined : `CODEX_BIN (${bin}) does not run: ${p.stderr.toString().trim()}`;
  } catch (e) {
    return `CODEX_BIN (${bin}) does not run: ${(e as Error).message}`;
  }
})();
if (runnable) console.log(`codex.test.ts skipped: ${runnable}`);

/** Runs `codex exec` with a fresh HOME/CODEX_HOME; resolves with its stdout (the final message). */
async function codex(h: Harness, prompt: string): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "lgw-codex-"));
  try {
    writeFileSync(
      join(home, "config.toml"),
      [
        'model = "gpt-5.1-codex"',
        'model_provider = "gw"',
        "[model_providers.gw]",
        'name = "gw"',
        `base_url = "${h.server.url}/v1"`,
        'env_key = "GW_KEY"',
        'wire_api = "responses"',
        // The gateway answers at once or not at all here: no retries to wait for when a test fails.
        "request_max_retries = 0",
        "stream_max_retries = 0",
        "",
      ].join("\n"),
    );
    const p = Bun.spawn([bin!, "exec", "--skip-git-repo-check", "--ephemeral", "--dangerously-bypass-approvals-and-sandbox", prompt], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, GW_KEY: h.gatewayKey, RUST_LOG: "error" },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`codex exited ${code}: ${err.slice(-2000) || out}`);
    return out.trim();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The shell command the scripted model asks Codex to run, and what it prints. */
const CMD = "echo gateway-codex-ok";

describe.skipIf(runnable !== undefined)("Codex CLI through the gateway", () => {
  describe("to an Anthropic upstream (Responses → Anthropic)", () => {
    let h: Harness;
    beforeAll(() => (h = startHarness("anthropic")));
    afterAll(() => h.stop());
    const start = { type: "message_start", message: { id: "msg_cx", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1 } } };

    test("a plain answer", async () => {
      h.upstream.enqueue({
        sse: anthropicSse(
          start,
          { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello from " } },
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Claude via the gateway." } },
          { type: "content_block_stop", index: 0 },
          { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 8 } },
          { type: "message_stop" },
        ),
      });
      expect(await codex(h, "say hello")).toBe("Hello from Claude via the gateway.");
      const req = h.upstream.last();
      expect(req.path).toBe("/v1/messages");
      expect(req.body.stream).toBe(true);
      expect(JSON.stringify(req.body.messages)).toContain("say hello");
      expect(req.body.tools.some((t: { name: string }) => t.name === "exec_command")).toBe(true);
    }, 60_000);

    test("a shell tool round trip: exec_command runs, its output comes back as the tool result", async () => {
      h.upstream.enqueue(
        {
          sse: anthropicSse(
            start,
            { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
            { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Run it." } },
            { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "SIG-CX" } },
            { type: "content_block_stop", index: 0 },
            { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_cx1", name: "exec_command", input: {} } },
            { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: JSON.stringify({ cmd: CMD }) } },
            { type: "content_block_stop", index: 1 },
            { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 12 } },
            { type: "message_stop" },
          ),
        },
        {
          sse: anthropicSse(
            start,
            { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
            { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "It printed gateway-codex-ok." } },
            { type: "content_block_stop", index: 0 },
            { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 6 } },
            { type: "message_stop" },
          ),
        },
      );
      expect(await codex(h, "run the echo")).toBe("It printed gateway-codex-ok.");
      const second = h.upstream.last().body;
      const assistant = second.messages.findLast((m: { role: string }) => m.role === "assistant");
      // Codex sent the reasoning item back with the gateway's envelope: the signed thinking is restored.
      expect(assistant.content).toEqual([
        { type: "thinking", thinking: "Run it.", signature: "SIG-CX" },
        { type: "tool_use", id: "toolu_cx1", name: "exec_command", input: { cmd: CMD } },
      ]);
      const result = second.messages.at(-1).content.find((b: { type: string }) => b.type === "tool_result");
      expect(result.tool_use_id).toBe("toolu_cx1");
      expect(JSON.stringify(result.content)).toContain("gateway-codex-ok");
    }, 60_000);
  });

  describe("to an OpenAI Chat upstream (Responses → Chat Completions)", () => {
    let h: Harness;
    beforeAll(() => (h = startHarness("openai-compatible")));
    afterAll(() => h.stop());
    const usage = { ...chunk({}), choices: [], usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 } };

    test("a plain answer", async () => {
      h.upstream.enqueue({ sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "Hello from " }), chunk({ content: "Chat via the gateway." }), chunk({}, "stop"), usage]) });
      expect(await codex(h, "say hello")).toBe("Hello from Chat via the gateway.");
      const req = h.upstream.last();
      expect(req.path).toBe("/v1/chat/completions");
      expect(req.body.stream_options).toEqual({ include_usage: true });
    }, 60_000);

    test("a shell tool round trip: exec_command runs, its output comes back as a tool message", async () => {
      h.upstream.enqueue(
        {
          sse: openaiSse([
            chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_cx1", type: "function", function: { name: "exec_command", arguments: "" } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify({ cmd: CMD }) } }] }),
            chunk({}, "tool_calls"),
            usage,
          ]),
        },
        { sse: openaiSse([chunk({ role: "assistant", content: "" }), chunk({ content: "It printed gateway-codex-ok." }), chunk({}, "stop"), usage]) },
      );
      expect(await codex(h, "run the echo")).toBe("It printed gateway-codex-ok.");
      const second = h.upstream.last().body;
      const assistant = second.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.tool_calls[0]).toMatchObject({ id: "call_cx1", function: { name: "exec_command" } });
      const tool = second.messages.find((m: { role: string }) => m.role === "tool");
      expect(tool.tool_call_id).toBe("call_cx1");
      expect(JSON.stringify(tool.content)).toContain("gateway-codex-ok");
    }, 60_000);
  });
});
