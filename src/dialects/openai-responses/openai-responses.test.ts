import { describe, expect, test } from "bun:test";
import { Stream as OpenAIStream } from "openai/core/streaming";
import { ResponseStream } from "openai/lib/responses/ResponseStream";
import { GatewayError } from "../../errors.ts";
import type { CanonicalRequest } from "../../canonical/model.ts";
import { createDialects } from "../index.ts";
import { decodeSseText, encodeEvents } from "../shared/convert-sse-text.ts";
import { anthropicViolation, dataJson, openAIViolation } from "../shared/sse-assertions.test-support.ts";
import { openEnvelope } from "./reasoning-envelope.ts";
import { responsesViolation } from "./stream-assertions.test-support.ts";
import { claimName, flatName } from "./tool-names.ts";
import { rng } from "../../../test/support/rng.ts";

const d = createDialects();
const R = d["openai-responses"];
const A = d["anthropic-messages"];
const O = d["openai-chat"];
const fixture = (name: string, dialect = "openai-responses") => Bun.file(`${import.meta.dir}/../${dialect}/__fixtures__/${name}`);
const opts = (model = "target", adjusted?: string[]) => ({ model, defaultMaxTokens: 4096, onAdjust: adjusted ? (f: string, r: string) => adjusted.push(`${f}: ${r}`) : undefined });
const wire = (x: unknown) => JSON.parse(JSON.stringify(x));

const thrown = (f: () => unknown): GatewayError => {
  try {
    f();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error("expected an error");
};

/** The SDK's own stream helper over the encoder's text, without a network. */
const sdkFinal = (text: string) => ResponseStream.fromReadableStream(OpenAIStream.fromSSEResponse(new Response(text), new AbortController()).toReadableStream()).finalResponse();

async function convertStream(from: "anthropic-messages" | "openai-chat" | "openai-responses", file: string, request?: CanonicalRequest, to = "openai-responses" as const) {
  const events = decodeSseText(d[from].streamDecoder(), await fixture(file, from).text());
  return encodeEvents(d[to].streamEncoder({ model: "client-model", created: 1, request }), events);
}

describe("Codex requests", () => {
  test("the function-tools body: namespace flattened, developer prompt, reasoning item, call and output", async () => {
    const body = await fixture("request-codex-tools.json").json();
    const req = R.decodeRequest(body);
    expect(req.tools!.map((t) => t.name)).toEqual([
      "exec_command", "write_stdin", "request_user_input", "view_image", "multi_agent_v1__close_agent", "multi_agent_v1__resume_agent",
      "multi_agent_v1__send_input", "multi_agent_v1__spawn_agent", "multi_agent_v1__wait_agent", "get_goal", "create_goal", "update_goal",
    ]);
    expect(req.tools![4]!.namespace).toEqual({ name: "multi_agent_v1", function: "close_agent", description: "Tools for spawning and managing sub-agents." });
    expect(req.rawTools).toEqual([{ type: "web_search", external_web_access: false }]);
    expect(req.originOnly).toBeUndefined(); // the web search is advisory
    expect(req).toMatchObject({ stream: true, store: false, include: ["reasoning.encrypted_content"], includeThoughts: true, promptCacheKey: body.prompt_cache_key, parallelToolCalls: true, toolChoice: { type: "auto" } });
    expect(Object.keys(req.extra!)).toEqual(["client_metadata"]);
    expect(req.messages.map((m) => m.role)).toEqual(["developer", "developer", "user", "user", "assistant", "tool"]);
    const assistant = req.messages[4]!.content;
    expect(assistant[0]).toMatchObject({ type: "thinking", text: "**Planning** the command", encrypted: { dialect: "openai-responses", data: "gAAAAABpRECORDEDxyz", itemId: "rs_rec1" } });
    expect(assistant[1]).toMatchObject({ type: "tool_call", id: "call_rec1", name: "exec_command", arguments: '{"cmd":"echo hi"}' });
    expect(req.messages[5]!.content[0]).toMatchObject({ type: "tool_result", toolCallId: "call_rec1", contentString: true });
  });

  test("towards Anthropic: a valid Messages body; the advisory web search and OpenAI's reasoning left out, each reported", async () => {
    const body = await fixture("request-codex-tools.json").json();
    const adjusted: string[] = [];
    const out = wire(A.encodeRequest(R.decodeRequest(body), opts("claude-sonnet-4-5", adjusted)));
    expect(() => A.decodeRequest(out)).not.toThrow();
    // Every developer part, in order, as system blocks.
    const parts = body.input.filter((i: { role: string }) => i.role === "developer").flatMap((i: { content: { text: string }[] }) => i.content.map((c) => c.text));
    expect(out.system.map((b: { text: string }) => b.text)).toEqual(parts);
    expect(out.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(out.messages[0].content.map((b: { text: string }) => b.text.slice(0, 21))).toEqual(["<environment_context>", "say hi"]);
    expect(out.messages[1].content).toEqual([{ type: "tool_use", id: "call_rec1", name: "exec_command", input: { cmd: "echo hi" } }]);
    expect(out.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "call_rec1" });
    expect(out.tools).toHaveLength(12);
    expect(out.tools[4].name).toBe("multi_agent_v1__close_agent");
    expect(adjusted).toContain("tools: non-function tools of another dialect have no Anthropic equivalent");
    expect(adjusted).toContain("messages.thinking: thinking without a signature cannot be sent to Anthropic");
    expect(adjusted).toContain("client_metadata: a field of openai-responses with no Anthropic equivalent");
  });

  test("towards Chat: a valid Chat body; developer messages as system messages; the custom exec tool as a function", async () => {
    const body = await fixture("request-codex-additional-tools.json").json();
    const req = R.decodeRequest(body);
    const exec = req.tools!.find((t) => t.name === "exec")!;
    expect(exec.custom?.format).toMatchObject({ type: "grammar", syntax: "lark" });
    expect(exec.namespace).toEqual({ name: "functions", function: "exec" });
    expect(req.tools!.map((t) => t.name)).toContain("clock__sleep");
    const out = wire(O.encodeRequest(req, opts("gpt-4.1")));
    expect(() => O.decodeRequest(out)).not.toThrow();
    expect(out.messages.map((m: { role: string }) => m.role)).toEqual(["system", "system", "system", "system", "user", "user", "assistant", "tool"]);
    expect(out.messages[6]).toEqual({ role: "assistant", content: null, tool_calls: [{ id: "call_rec1", type: "function", function: { name: "exec", arguments: '{"input":"text(\\"hi\\")"}' } }] });
    expect(out.messages[7]).toEqual({ role: "tool", tool_call_id: "call_rec1", content: "Script completed\nWall time 0.0 seconds\nOutput:\n\nhi" });
    const fn = out.tools.find((t: { function: { name: string } }) => t.function.name === "exec").function;
    expect(fn.parameters.required).toEqual(["input"]);
    expect(fn.parameters.properties.input.description).toContain("lark grammar:");
    expect(out.reasoning_effort).toBe("low");
    expect(out.parallel_tool_calls).toBe(false);
  });

  test("a web search, cached or live, is left out and reported; any other built-in tool is a 400 naming it for other upstreams", async () => {
    const body = await fixture("request-codex-tools.json").json();
    // What Codex sends with full access: refusing it would fail every request of that mode.
    body.tools[8] = { type: "web_search", external_web_access: true };
    for (const target of [A, O]) {
      const adjusted: string[] = [];
      const out = target.encodeRequest(R.decodeRequest(body), { ...opts(), onAdjust: (f) => adjusted.push(f) }) as any;
      expect(JSON.stringify(out.tools)).not.toContain("web_search");
      expect(adjusted).toContain("tools");
    }
    body.tools[8] = { type: "file_search", vector_store_ids: ["vs_1"] };
    for (const target of [A, O]) {
      const e = thrown(() => target.encodeRequest(R.decodeRequest(body), opts()));
      expect(e.status).toBe(400);
      expect(e.options.param).toBe("tools[8]");
      expect(e.message).toContain('"file_search"');
    }
    // Towards Gemini too.
    expect(thrown(() => d.gemini.encodeRequest(R.decodeRequest(body), opts())).options.param).toBe("tools[8]");
  });
});

describe("requests", () => {
  test("a plain string input and instructions", () => {
    const body = { model: "gpt-5", input: "Hi", instructions: "Be brief.", max_output_tokens: 100, temperature: 0.2, user: "u1", metadata: { a: "b" } };
    const req = R.decodeRequest(body);
    expect(req).toEqual({ origin: "openai-responses", model: "gpt-5", stream: false, system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], maxTokens: 100, temperature: 0.2, sessionKey: "u1", metadata: { a: "b" } });
    expect(A.encodeRequest(req, opts("c"))).toEqual({ model: "c", max_tokens: 100, temperature: 0.2, metadata: { user_id: "u1" }, system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] });
  });

  test("message parts: images, files and audio both ways", () => {
    const body = {
      model: "gpt-5",
      input: [{ role: "user", content: [
        { type: "input_text", text: "Look" },
        { type: "input_image", image_url: "data:image/png;base64,iVBO", detail: "high" },
        { type: "input_image", image_url: "https://x.test/a.png" },
        { type: "input_file", filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" },
        { type: "input_file", file_url: "https://x.test/b.pdf" },
      ] }],
    };
    const req = R.decodeRequest(body);
    expect(req.messages[0]!.content.map((b) => b.type)).toEqual(["text", "image", "image", "document", "document"]);
    const a = A.encodeRequest(req, opts()) as any;
    expect(a.messages[0].content).toEqual([
      { type: "text", text: "Look" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
      { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "a.pdf" },
      { type: "document", source: { type: "url", url: "https://x.test/b.pdf" } },
    ]);
    // Chat has no file URLs: a clear 400.
    expect(thrown(() => O.encodeRequest(req, opts())).status).toBe(400);
  });

  test("text.format and reasoning towards Anthropic and Chat", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const body = { model: "gpt-5", input: "x", text: { format: { type: "json_schema", name: "answer", schema, strict: true }, verbosity: "low" }, reasoning: { effort: "high", summary: "auto" }, max_output_tokens: 9000 };
    const req = R.decodeRequest(body);
    expect(req.responseFormat).toEqual({ type: "json_schema", name: "answer", schema, strict: true });
    expect(req.extra).toEqual({ text: { verbosity: "low" } });
    const a = A.encodeRequest(req, opts()) as any;
    expect(a.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(a.thinking).toEqual({ type: "enabled", budget_tokens: 4096 });
    const o = O.encodeRequest(req, opts()) as any;
    expect(o.response_format).toEqual({ type: "json_schema", json_schema: { name: "answer", schema, strict: true } });
    expect(o.reasoning_effort).toBe("high");
    expect(o.max_tokens).toBe(9000);
    const j = O.encodeRequest(R.decodeRequest({ model: "m", input: "x", text: { format: { type: "json_object" } } }), opts()) as any;
    expect(j.response_format).toEqual({ type: "json_object" });
  });

  test("namespaced names: flattened, collision-free, within 64 characters, found again for calls in the history", () => {
    expect(flatName("crm", "get")).toBe("crm__get");
    expect(flatName("functions", "exec")).toBe("exec");
    expect(flatName("my.ns", "do it")).toBe("my_ns__do_it");
    const long = flatName("n".repeat(40), "f".repeat(40));
    expect(long.length).toBe(64);
    expect(long).not.toBe(flatName("n".repeat(40), `${"f".repeat(39)}g`));
    const taken = new Set(["crm__get"]);
    expect(claimName("crm__get", taken)).toBe("crm__get_2");
    expect(claimName("crm__get", taken)).toBe("crm__get_3");

    const body = {
      model: "gpt-5",
      tools: [
        { type: "function", name: "crm__get", parameters: { type: "object" } },
        { type: "namespace", name: "crm", description: "CRM", tools: [{ type: "function", name: "get", parameters: { type: "object" } }] },
      ],
      input: [
        { type: "function_call", call_id: "c1", namespace: "crm", name: "get", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "ok" },
      ],
    };
    const req = R.decodeRequest(body);
    expect(req.tools!.map((t) => t.name)).toEqual(["crm__get", "crm__get_2"]);
    expect(req.messages[0]!.content[0]).toMatchObject({ type: "tool_call", name: "crm__get_2" });
    expect((A.encodeRequest(req, opts()) as any).tools.map((t: { name: string }) => t.name)).toEqual(["crm__get", "crm__get_2"]);
    // And back to the client: a call of crm__get_2 is `get` in namespace `crm`.
    const res = R.encodeResponse({ id: "x", model: "m", content: [{ type: "tool_call", id: "c2", name: "crm__get_2", arguments: "{}" }], stopReason: "tool_calls", usage: { inputTokens: 1, outputTokens: 1 } }, { model: "gpt-5", request: req }) as any;
    expect(res.output[0]).toMatchObject({ type: "function_call", name: "get", namespace: "crm", call_id: "c2" });
  });

  test("server-side state is refused by other upstreams, naming the field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: "m", input: "x", previous_response_id: "resp_1" }, "previous_response_id"],
      [{ model: "m", input: [{ type: "item_reference", id: "msg_1" }] }, "input[0]"],
      [{ model: "m", input: "x", conversation: "conv_1" }, "conversation"],
      [{ model: "m", input: "x", tools: [{ type: "web_search_preview" }], tool_choice: { type: "web_search_preview" } }, "tool_choice"],
      [{ model: "m", input: "x", tools: [{ type: "code_interpreter", container: { type: "auto" } }] }, "tools[0]"],
    ];
    for (const [body, param] of cases) {
      const req = R.decodeRequest(body);
      for (const target of [A, O, d.gemini]) expect(thrown(() => target.encodeRequest(req, opts())).options.param).toBe(param);
    }
  });

  test("bad input is a 400 naming the field", () => {
    const cases: [unknown, string][] = [
      [{ model: "m", input: [{ role: "robot", content: "x" }] }, "input[0].role"],
      [{ model: "m", input: [{ role: "user", content: [{ type: "input_image" }] }] }, "input[0].content[0].image_url"],
      [{ model: "m", input: [{ type: "function_call", name: "f", arguments: "{}" }] }, "input[0].call_id"],
      [{ model: "m", input: [{ type: "function_call_output", call_id: "c", output: 5 }] }, "input[0].output"],
      [{ model: "m", tools: [{ type: "namespace", name: "n", tools: [{ type: "web_search" }] }] }, "tools[0].tools[0].type"],
      [{ model: "m", tools: [{ type: "function" }] }, "tools[0].name"],
      [{ model: "m", tool_choice: "sometimes" }, "tool_choice"],
      [{ model: "m", input: 5 }, "input"],
      [{ model: "" }, "model"],
    ];
    for (const [body, param] of cases) {
      const e = thrown(() => R.decodeRequest(body));
      expect(e.status).toBe(400);
      expect(e.options.param).toBe(param);
    }
  });

  test("other dialects towards a Responses upstream: Anthropic client", () => {
    const adjusted: string[] = [];
    const req = A.decodeRequest({
      model: "claude", max_tokens: 8, system: "Be terse.", stop_sequences: ["END"], thinking: { type: "enabled", budget_tokens: 2048 },
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [{ type: "thinking", thinking: "hm", signature: "sig" }, { type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "boom", is_error: true }, { type: "text", text: "And Rome?" }] },
      ],
    });
    const out = R.encodeRequest(req, opts("gpt-5.1-codex", adjusted));
    expect(out).toEqual({
      model: "gpt-5.1-codex",
      instructions: "Be terse.",
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false }],
      input: [
        { role: "user", content: "Weather in Paris?" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking.", annotations: [] }] },
        { type: "function_call", call_id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call_output", call_id: "toolu_1", output: "Error: boom" },
        { role: "user", content: "And Rome?" },
      ],
      max_output_tokens: 16,
      reasoning: { effort: "medium" },
      store: false,
    });
    expect(() => R.decodeRequest(wire(out))).not.toThrow();
    expect(adjusted).toEqual([
      "messages.thinking: reasoning made by another API cannot be sent to an OpenAI Responses upstream",
      "max_tokens: raised from 8 to 16, the Responses minimum",
      "stop: Responses has no stop sequences",
    ]);
  });

  test("other dialects towards a Responses upstream: Chat client with tools, images and a system message", () => {
    const req = O.decodeRequest({
      model: "gpt-4o", stream: true, stream_options: { include_usage: true }, max_completion_tokens: 300, tool_choice: { type: "function", function: { name: "f" } },
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" }, strict: true } }],
      messages: [
        { role: "system", content: "sys" },
        { role: "user", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "https://x.test/i.png" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "done" },
      ],
    });
    expect(R.encodeRequest(req, opts("o3-pro"))).toEqual({
      model: "o3-pro",
      tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: true }],
      input: [
        { role: "system", content: "sys" },
        { role: "user", content: [{ type: "input_text", text: "see" }, { type: "input_image", image_url: "https://x.test/i.png", detail: "auto" }] },
        { type: "function_call", call_id: "call_1", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "done" },
      ],
      max_output_tokens: 300,
      tool_choice: { type: "function", name: "f" },
      store: false,
      stream: true,
    });
  });

  test("n > 1 towards a Responses upstream is a 400", () => {
    expect(thrown(() => R.encodeRequest(O.decodeRequest({ model: "m", n: 2, messages: [] }), opts())).options.param).toBe("n");
  });
});

describe("reasoning through a Responses client", () => {
  const signed = { id: "msg_1", model: "claude", content: [{ type: "thinking" as const, text: "Let me see.", signature: "SIG" }, { type: "redacted_thinking" as const, data: "RED" }, { type: "tool_call" as const, id: "toolu_1", name: "f", arguments: "{}" }], stopReason: "tool_calls" as const, usage: { inputTokens: 5, outputTokens: 7 } };

  test("Anthropic signatures ride in encrypted_content when the client includes it, and come back as signed thinking", () => {
    const request = R.decodeRequest({ model: "m", input: "x", include: ["reasoning.encrypted_content"], reasoning: { summary: "auto" }, store: false, tools: [{ type: "function", name: "f" }] });
    const res = R.encodeResponse(signed, { model: "m", request }) as any;
    expect(res.output.map((o: { type: string }) => o.type)).toEqual(["reasoning", "reasoning", "function_call"]);
    expect(res.output[0].summary).toEqual([{ type: "summary_text", text: "Let me see." }]);
    expect(openEnvelope(res.output[0].encrypted_content)).toEqual({ kind: "thinking", signature: "SIG" });
    expect(openEnvelope(res.output[1].encrypted_content)).toEqual({ kind: "redacted", data: "RED" });
    // The client's next turn sends the items back (as Codex does): the Anthropic upstream gets its blocks again.
    const next = R.decodeRequest({ model: "m", input: ["x", ...res.output, { type: "function_call_output", call_id: "toolu_1", output: "ok" }].map((i) => (typeof i === "string" ? { role: "user", content: i } : i)), reasoning: { effort: "low", summary: "auto" }, tools: [{ type: "function", name: "f" }] });
    const a = A.encodeRequest(next, opts()) as any;
    expect(a.messages[1].content).toEqual([
      { type: "thinking", thinking: "Let me see.", signature: "SIG" },
      { type: "redacted_thinking", data: "RED" },
      { type: "tool_use", id: "toolu_1", name: "f", input: {} },
    ]);
    // Thinking stays on: the last tool call has its thinking block to send back.
    expect(a.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
  });

  test("without summaries the text rides in the envelope; without include there is no state at all", () => {
    const quiet = R.decodeRequest({ model: "m", input: "x", include: ["reasoning.encrypted_content"] });
    const res = R.encodeResponse(signed, { model: "m", request: quiet }) as any;
    expect(res.output[0].summary).toEqual([]);
    expect(openEnvelope(res.output[0].encrypted_content)).toEqual({ kind: "thinking", signature: "SIG", text: "Let me see." });
    const back = R.decodeRequest({ model: "m", input: [res.output[0]] });
    expect(back.messages[0]!.content[0]).toMatchObject({ type: "thinking", text: "Let me see.", signature: "SIG" });
    const plain = R.encodeResponse(signed, { model: "m", request: R.decodeRequest({ model: "m", input: "x" }) }) as any;
    expect(plain.output[0]).toEqual({ id: plain.output[0].id, type: "reasoning", summary: [] });
  });

  test("OpenAI's own reasoning state goes back only to a Responses upstream", () => {
    const req = R.decodeRequest({ model: "m", input: [{ type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "a" }, { type: "summary_text", text: "b" }], encrypted_content: "gAAAA" }, { role: "user", content: "go on" }] });
    expect(req.messages[0]!.content[0]).toMatchObject({ type: "thinking", text: "a\n\nb", encrypted: { dialect: "openai-responses", data: "gAAAA", itemId: "rs_1" } });
    // From an Anthropic-dialect client, towards a Responses upstream: the item is rebuilt from the canonical block.
    const foreign = { ...req, origin: "anthropic-messages" as const, extra: undefined };
    expect((R.encodeRequest(foreign, opts()) as any).input[0]).toEqual({ type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "a\n\nb" }], encrypted_content: "gAAAA" });
    expect((A.encodeRequest(req, opts()) as any).messages).toEqual([{ role: "user", content: [{ type: "text", text: "go on" }] }]);
  });
});

describe("responses", () => {
  test("a Responses upstream's answer towards Anthropic and Chat clients", async () => {
    const body = await fixture("response-tool-call.json").json();
    const res = R.decodeResponse(body);
    expect(res).toEqual({
      id: body.id, model: "gpt-5.1-codex", created: 1764835200, stopReason: "tool_calls",
      usage: { inputTokens: 9120, outputTokens: 71, reasoningTokens: 22, cacheReadTokens: 0 },
      content: [
        { type: "thinking", text: "**Listing files**", encrypted: { dialect: "openai-responses", data: body.output[0].encrypted_content, itemId: body.output[0].id } },
        { type: "text", text: "Let me look." },
        { type: "tool_call", id: "call_9pQm3xZ1", name: "exec_command", arguments: '{"cmd":"ls -la"}' },
      ],
    });
    const a = A.encodeResponse(res, { model: "m" }) as any;
    expect(a.content).toEqual([
      { type: "thinking", thinking: "**Listing files**", signature: "" },
      { type: "text", text: "Let me look." },
      { type: "tool_use", id: "call_9pQm3xZ1", name: "exec_command", input: { cmd: "ls -la" } },
    ]);
    expect(a.stop_reason).toBe("tool_use");
    const o = O.encodeResponse(res, { model: "m" }) as any;
    expect(o.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { content: "Let me look.", reasoning_content: "**Listing files**" } });
  });

  test("an Anthropic answer for a Responses client", async () => {
    const res = A.decodeResponse(await fixture("response-tool-use.json", "anthropic-messages").json());
    const out = R.encodeResponse(res, { model: "client-model", created: 7 }) as any;
    expect(out).toMatchObject({ id: "resp_msg_019Q1hrJbZG26Fb9BQhrkHEr", object: "response", created_at: 7, status: "completed", error: null, incomplete_details: null, model: "client-model" });
    expect(out.output.map((o: { type: string }) => o.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(out.output[1]).toMatchObject({ type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "I'll check the weather in Paris for you.", annotations: [] }] });
    expect(out.output[2]).toMatchObject({ type: "function_call", status: "completed", call_id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", arguments: '{"location":"Paris"}' });
    expect(out.usage).toEqual({ input_tokens: 377, input_tokens_details: { cached_tokens: 0 }, output_tokens: 65, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 442 });
    expect(new Set(out.output.map((o: { id: string }) => o.id)).size).toBe(3);
  });

  test("a Chat answer for a Responses client; stop reasons become status", async () => {
    const res = O.decodeResponse(await fixture("response-tool-calls.json", "openai-chat").json());
    const out = R.encodeResponse(res, { model: "m" }) as any;
    expect(out.id).toBe("resp_chatcmpl-9tZXEmwtoDf6vqCqEWSvDP8jx9OXe");
    expect(out.output).toEqual([{ id: out.output[0].id, type: "function_call", status: "completed", arguments: '{"location":"Shanghai"}', call_id: "call_qOfTGgDr", name: "get_weather" }]);
    const base = { id: "", model: "m", content: [{ type: "text" as const, text: "x" }], usage: { inputTokens: 1, outputTokens: 1 } };
    expect((R.encodeResponse({ ...base, stopReason: "length" }, { model: "m" }) as any)).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
    expect((R.encodeResponse({ ...base, stopReason: "content_filter" }, { model: "m" }) as any)).toMatchObject({ status: "incomplete", incomplete_details: { reason: "content_filter" } });
    expect((R.encodeResponse({ ...base, stopReason: "stop" }, { model: "m", id: "resp_mine" }) as any).id).toBe("resp_mine");
  });

  test("the request's settings are repeated, custom tool calls get their own form", async () => {
    const request = R.decodeRequest(await fixture("request-codex-additional-tools.json").json());
    const res = { id: "msg_1", model: "claude", content: [{ type: "tool_call" as const, id: "toolu_1", name: "exec", arguments: '{"input":"text(1)"}' }], stopReason: "tool_calls" as const, usage: { inputTokens: 1, outputTokens: 1 } };
    const out = R.encodeResponse(res, { model: "gpt-6.2-sol", request }) as any;
    expect(out.output[0]).toMatchObject({ type: "custom_tool_call", call_id: "toolu_1", name: "exec", namespace: "functions", input: "text(1)" });
    expect(out).toMatchObject({ store: false, parallel_tool_calls: false, reasoning: { effort: "low", summary: null }, text: { format: { type: "text" }, verbosity: "low" }, tool_choice: "auto" });
    // The tools as the client knows them: namespaces regrouped, custom tools with their grammar.
    expect(out.tools.map((t: { type: string; name: string }) => `${t.type}:${t.name}`)).toEqual(["namespace:functions", "namespace:clock", "namespace:collaboration"]);
    expect(out.tools[0].tools[0]).toMatchObject({ type: "custom", name: "exec", format: { type: "grammar", syntax: "lark" } });
  });
});

describe("streams to a Responses client", () => {
  for (const [from, file] of [
    ["anthropic-messages", "thinking-stream.sse"],
    ["anthropic-messages", "tool-use-stream.sse"],
    ["openai-chat", "text-stream.sse"],
    ["openai-chat", "tool-calls-stream.sse"],
    ["openai-chat", "reasoning-stream.sse"],
    ["openai-responses", "text-stream.sse"],
    ["openai-responses", "tool-call-stream.sse"],
    ["openai-responses", "custom-tool-stream.sse"],
    ["openai-responses", "incomplete-stream.sse"],
  ] as const) {
    test(`${from} ${file}: the strict event sequence, and the SDK's ResponseStream agrees`, async () => {
      const text = await convertStream(from, file);
      expect(responsesViolation(text)).toBeUndefined();
      const final = await sdkFinal(text);
      const last = dataJson(text).at(-1) as any;
      expect(final.id).toBe(last.response.id);
      expect(final.output).toMatchObject(last.response.output);
    });
  }

  test("Anthropic thinking + tool call: every event, in order, with stable ids", async () => {
    const text = await convertStream("anthropic-messages", "thinking-stream.sse");
    const evs = dataJson(text) as any[];
    expect(evs.map((e) => e.type)).toEqual([
      "response.created", "response.in_progress",
      "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
      "response.output_item.added", "response.output_item.done",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.done", "response.output_item.done",
      "response.completed",
    ]);
    expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i));
    const completed = evs.at(-1).response;
    expect(completed.status).toBe("completed");
    expect(completed.output[3]).toMatchObject({ type: "function_call", call_id: "toolu_noargs", name: "get_time", arguments: "{}" });
    expect(completed.usage).toEqual({ input_tokens: 260, input_tokens_details: { cached_tokens: 200, cache_write_tokens: 10 }, output_tokens: 120, output_tokens_details: { reasoning_tokens: 80 }, total_tokens: 380 });
  });

  test("with the client's request: custom tool calls unwrapped, reasoning state included", async () => {
    const request = R.decodeRequest({ ...(await fixture("request-codex-additional-tools.json").json()), reasoning: { summary: "auto" } });
    const text = await convertStream("openai-responses", "custom-tool-stream.sse", request);
    expect(responsesViolation(text)).toBeUndefined();
    const final = await sdkFinal(text);
    expect(final.output[0]).toMatchObject({ type: "custom_tool_call", name: "exec", namespace: "functions", input: '// @exec: yield_time_ms=500\nconst r = await tools.exec_command({cmd: "ls"});\ntext(r);' });
    const thinking = await convertStream("anthropic-messages", "thinking-stream.sse", request);
    const items = (dataJson(thinking).at(-1) as any).response.output;
    expect(openEnvelope(items[0].encrypted_content)).toEqual({ kind: "thinking", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pk" });
    expect(openEnvelope(items[1].encrypted_content)).toEqual({ kind: "redacted", data: "EmwKAhgBEgy3va3pzix" });
  });

  test("an upstream failure after the first event: error then response.failed, never a completion", async () => {
    for (const [from, file] of [["anthropic-messages", "error-stream.sse"], ["openai-responses", "failed-stream.sse"]] as const) {
      const text = await convertStream(from, file);
      expect(responsesViolation(text)).toBeUndefined();
      const evs = dataJson(text) as any[];
      expect(evs.map((e) => e.type).slice(-2)).toEqual(["error", "response.failed"]);
      expect(evs.some((e) => e.type === "response.completed")).toBe(false);
      await expect(sdkFinal(text)).rejects.toThrow();
    }
    const failed = dataJson(await convertStream("openai-responses", "failed-stream.sse")).at(-1) as any;
    expect(failed.response.error).toEqual({ code: "rate_limit_exceeded", message: "Rate limit reached for gpt-5.1-codex. Please try again in 1.2s." });
  });

  test("a stream cut short is an error for every client", async () => {
    const text = (await fixture("text-stream.sse").text()).split("event: response.completed")[0]!;
    const events = decodeSseText(R.streamDecoder(), text);
    expect(events.at(-1)).toMatchObject({ type: "error" });
    expect(events.some((e) => e.type === "finish")).toBe(false);
  });

  test("the stateless error form (for failures outside the encoder) is an error and a failed response", () => {
    const s = R.encodeStreamError(new GatewayError(429, "rate_limited", "slow down"));
    const evs = dataJson(s) as any[];
    expect(evs[0]).toEqual({ type: "error", code: "rate_limit_exceeded", message: "slow down", param: null });
    expect(evs[1]).toMatchObject({ type: "response.failed", response: { status: "failed", error: { code: "rate_limit_exceeded", message: "slow down" } } });
    expect(R.encodeError(new GatewayError(400, "invalid_request", "bad", { param: "input" }))).toEqual({ status: 400, body: { error: { message: "bad", type: "invalid_request_error", param: "input", code: null } } });
  });
});

describe("streams from a Responses upstream", () => {
  test("to an Anthropic client: reasoning, text, tool calls, usage", async () => {
    const text = await convertStream("openai-responses", "tool-call-stream.sse", undefined, "anthropic-messages" as never);
    expect(anthropicViolation(text)).toBeUndefined();
    const evs = dataJson(text) as any[];
    expect(evs.filter((e) => e.type === "content_block_start").map((e) => e.content_block.type)).toEqual(["thinking", "tool_use", "tool_use"]);
    expect(evs.find((e) => e.type === "message_delta")).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { input_tokens: 9120, output_tokens: 71 } });
  });

  test("to a Chat client, with usage", async () => {
    const text = await convertStream("openai-responses", "text-stream.sse", undefined, "openai-chat" as never);
    // The Chat encoder needs include_usage from its context; the default leaves the usage chunk out.
    expect(openAIViolation(text, false)).toBeUndefined();
    const content = (dataJson(text) as any[]).slice(0, -1).map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe('Hi! How can I help with this repo? 😀 "quoted"\n');
    const reasoning = (dataJson(text) as any[]).slice(0, -1).map((c) => c.choices[0]?.delta?.reasoning_content ?? "").join("");
    expect(reasoning).toBe("**Answering a greeting**\n\nThe user says hi.\n\n**Keeping it short**");
  });

  test("canonical events: encrypted reasoning, custom input wrapped as {input}, incomplete and failed", async () => {
    const ev = decodeSseText(R.streamDecoder(), await fixture("text-stream.sse").text());
    expect(ev.find((e) => e.type === "thinking_encrypted")).toMatchObject({ encrypted: { dialect: "openai-responses", itemId: "rs_0c2f5a8e1b7d4c9a0068f1a2b4a1b2c3d4e5f60718293a4b" } });
    expect(ev.filter((e) => e.type === "usage").at(-1)).toMatchObject({ usage: { inputTokens: 9046, cacheReadTokens: 8960, outputTokens: 93, reasoningTokens: 64 } });
    const custom = decodeSseText(R.streamDecoder(), await fixture("custom-tool-stream.sse").text());
    const args = custom.filter((e) => e.type === "tool_args_delta").map((e) => (e as { json: string }).json).join("");
    expect(JSON.parse(args)).toEqual({ input: '// @exec: yield_time_ms=500\nconst r = await tools.exec_command({cmd: "ls"});\ntext(r);' });
    expect(custom.find((e) => e.type === "block_start")).toMatchObject({ block: { type: "tool_call", id: "call_cu5T0m", name: "exec" } });
    const incomplete = decodeSseText(R.streamDecoder(), await fixture("incomplete-stream.sse").text());
    expect(incomplete.find((e) => e.type === "finish")).toEqual({ type: "finish", stopReason: "length" });
    const failed = decodeSseText(R.streamDecoder(), await fixture("failed-stream.sse").text());
    expect(failed.at(-1)).toMatchObject({ type: "error", error: { status: 429, code: "rate_limited" } });
  });
});

describe("property: a Responses stream split anywhere decodes the same", () => {
  test("every fixture stream, 200 random splits each", async () => {
    const enc = new TextEncoder();
    for (const f of ["text-stream.sse", "tool-call-stream.sse", "custom-tool-stream.sse", "incomplete-stream.sse", "failed-stream.sse"]) {
      const text = await fixture(f).text();
      const whole = decodeSseText(R.streamDecoder(), text);
      const bytes = enc.encode(text);
      for (let round = 0; round < 200; round++) {
        const r = rng(round);
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + Math.floor(r() * (r() < 0.3 ? 8 : 400));
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        expect(decodeSseText(R.streamDecoder(), chunks)).toEqual(whole);
      }
    }
  });
});
