/**
 * Gemini CLI itself against the gateway, non-interactively (`gemini -p … --skip-trust`), its base URL pointed at
 * the gateway (what it sends: src/dialects/README.md "What real clients send"): a plain answer, a run without `-m`
 * (a non-streamed routing call asking for a JSON-schema answer comes first), and a `--yolo` shell tool round trip,
 * over an Anthropic upstream, an OpenAI Chat upstream and a native Gemini account (passthrough).
 * Runs when GEMINI_CLI_BIN points at a `gemini` executable (.ci/run installs one); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SKIP } from "../fakes/gemini-upstream.ts";
import { type GeminiClientHarness, startGeminiClientHarness, type UpstreamKind } from "./gemini-client-harness.ts";

const bin = process.env.GEMINI_CLI_BIN;
if (!bin) console.log("GEMINI_CLI_BIN is not set: the Gemini CLI tests are skipped");

/**
 * One `gemini -p` run in a fresh HOME whose settings pick API-key auth (without it headless mode exits 41). The CLI
 * relaunches itself as a child node process: it runs in a process group of its own, and the whole group is ended
 * once the run is over, whatever happened.
 */
async function gemini(h: GeminiClientHarness, prompt: string, extra: string[] = []): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "lgw-gemini-cli-"));
  mkdirSync(join(home, ".gemini"));
  writeFileSync(join(home, ".gemini", "settings.json"), JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }));
  const child = spawn(bin!, ["-p", prompt, "--skip-trust", ...extra], {
    cwd: home,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      HOME: home,
      GEMINI_API_KEY: h.gatewayKey,
      GOOGLE_GEMINI_BASE_URL: h.server.url,
      GEMINI_CLI_NO_RELAUNCH: undefined,
      NO_COLOR: "1",
    },
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b) => (out += b));
  child.stderr!.on("data", (b) => (err += b));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (code !== 0) throw new Error(`gemini exited ${code}: ${err || out}`);
    return out.trim();
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* the group is gone already */
    }
    rmSync(home, { recursive: true, force: true });
  }
}

const MODEL = "gemini-2.5-flash";
const kinds: UpstreamKind[] = ["anthropic", "openai-chat", "gemini"];

for (const kind of kinds) {
  describe.skipIf(!bin)(`Gemini CLI → gateway → ${kind}`, () => {
    let h: GeminiClientHarness;
    beforeAll(() => (h = startGeminiClientHarness(kind)));
    afterAll(() => h.stop());

    test("a plain answer", async () => {
      h.answer({ text: "Hello from the gateway." }, true);
      const before = h.received().length;
      expect(await gemini(h, "say hello", ["-m", MODEL])).toBe("Hello from the gateway.");
      const sent = h.received().slice(before);
      expect(sent.length).toBe(1);
      if (kind === "gemini") expect(sent[0]!.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
    }, 60_000);

    test("without -m: the routing call (a JSON-schema answer) first, then the turn", async () => {
      h.answer({ text: JSON.stringify({ reasoning: "A simple greeting.", model_choice: "flash" }) }, false);
      h.answer({ text: "Routed and answered." }, true);
      const before = h.received().length;
      expect(await gemini(h, "say hello")).toBe("Routed and answered.");
      const [routing, turn] = h.received().slice(before);
      expect(turn).toBeDefined();
      if (kind === "anthropic") {
        // The JSON schema reaches Anthropic as its structured-output format, the types lower-cased.
        expect(JSON.stringify(routing!.body)).toContain('"type":"object"');
        expect(routing!.body.stream).not.toBe(true);
      } else if (kind === "openai-chat") {
        expect(routing!.body.response_format).toMatchObject({ type: "json_schema" });
        expect(routing!.body.stream).not.toBe(true);
      } else {
        expect(routing!.path).toMatch(/:generateContent$/);
        expect(routing!.body.generationConfig.responseMimeType).toBe("application/json");
      }
    }, 60_000);

    test("--yolo: a shell tool round trip", async () => {
      h.answer({ call: { id: "call_sh1", name: "run_shell_command", args: { command: "echo gateway-ok", description: "print" } } }, true);
      h.answer({ text: "The command printed gateway-ok." }, true);
      const before = h.received().length;
      // A thinking model: the fake Gemini API then signs the call and refuses the next turn without the signature.
      const model = kind === "gemini" ? "gemini-3-flash-preview" : MODEL;
      expect(await gemini(h, "run echo gateway-ok", ["-m", model, "--yolo"])).toContain("The command printed gateway-ok.");
      const [first, second] = h.received().slice(before);
      expect(second).toBeDefined();
      const body = second!.body;
      if (kind === "anthropic") {
        const use = body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).find((b: any) => b.type === "tool_use");
        const result = body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).find((b: any) => b.type === "tool_result");
        expect(use).toMatchObject({ id: "call_sh1", name: "run_shell_command", input: { command: "echo gateway-ok" } });
        expect(result.tool_use_id).toBe("call_sh1");
        expect(JSON.stringify(result.content)).toContain("gateway-ok");
        expect(first!.body.tools.some((t: any) => t.name === "run_shell_command")).toBe(true);
      } else if (kind === "openai-chat") {
        const assistant = body.messages.findLast((m: any) => m.role === "assistant");
        expect(assistant.tool_calls[0]).toMatchObject({ id: "call_sh1", function: { name: "run_shell_command" } });
        const tool = body.messages.find((m: any) => m.role === "tool");
        expect(tool.tool_call_id).toBe("call_sh1");
        expect(tool.content).toContain("gateway-ok");
      } else {
        // Passthrough: the CLI's own turn reaches Google's API with the signature Google gave the call.
        const turn = body.contents.findLast((c: any) => c.role === "model");
        const call = turn.parts.find((p: any) => p.functionCall);
        expect(call.functionCall).toMatchObject({ name: "run_shell_command", id: "call_sh1" });
        expect(h.gemini!.issued).toContain(call.thoughtSignature);
        const response = body.contents.at(-1).parts[0].functionResponse;
        expect(response).toMatchObject({ name: "run_shell_command", id: "call_sh1" });
        expect(JSON.stringify(response.response)).toContain("gateway-ok");
      }
    }, 60_000);
  });
}

describe.skipIf(!bin)("Gemini CLI → gateway → gemini: a call that came without a signature", () => {
  let h: GeminiClientHarness;
  beforeAll(() => (h = startGeminiClientHarness("gemini")));
  afterAll(() => h.stop());

  test("the CLI echoes Google's skip value on it, and Google's check accepts that", async () => {
    h.gemini!.enqueue(
      { parts: [{ functionCall: { name: "run_shell_command", args: { command: "echo skip-ok", description: "print" }, id: "call_sk1" } }], unsigned: true },
      { parts: [{ text: "Done: skip-ok." }] },
    );
    expect(await gemini(h, "run echo skip-ok", ["-m", "gemini-3-flash-preview", "--yolo"])).toContain("Done: skip-ok.");
    const turn = h.gemini!.last().body.contents.findLast((c: any) => c.role === "model");
    expect(turn.parts.find((p: any) => p.functionCall).thoughtSignature).toBe(SKIP);
  }, 60_000);
});

