import { describe, expect, test } from "bun:test";
import { createSseParser } from "../transport/sse-parser.ts";
import { mockFetch } from "./mock.ts";
import { countMockTokens } from "./mock-tokenizer.ts";
import { responsesViolation } from "../dialects/openai-responses/stream-assertions.test-support.ts";

const post = (path: string, body: unknown) =>
  mockFetch(`http://mock.llm-gateway.invalid/v1${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const events = async (res: Response) => createSseParser().push(await res.text());

describe("mock provider", () => {
  test("chat: echoes the last user message with honest usage", async () => {
    const body = (await (await post("/chat/completions", { model: "m", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello, world" }] })).json()) as any;
    expect(body.choices[0].message.content).toBe("Mock reply to: Hello, world");
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage).toEqual({
      prompt_tokens: countMockTokens("Be brief. Hello, world"),
      completion_tokens: countMockTokens("Mock reply to: Hello, world"),
      total_tokens: countMockTokens("Be brief. Hello, world") + countMockTokens("Mock reply to: Hello, world"),
    });
  });

  test("chat stream: role chunk, content chunks, finish, usage chunk when asked, [DONE]", async () => {
    const evs = await events(await post("/chat/completions", { model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "a b" }] }));
    expect(evs.at(-1)!.data).toBe("[DONE]");
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Mock reply to: a b");
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.completion_tokens).toBe(6);
  });

  test("messages: max_tokens cut-off gives max_tokens; stream follows the Anthropic event order", async () => {
    const body = (await (await post("/messages", { model: "m", max_tokens: 2, messages: [{ role: "user", content: "one two three" }] })).json()) as any;
    expect(body.content[0].text).toBe("Mock reply");
    expect(body.stop_reason).toBe("max_tokens");
    expect(body.usage.output_tokens).toBe(2);
    const evs = await events(await post("/messages", { model: "m", max_tokens: 100, stream: true, messages: [{ role: "user", content: "x" }] }));
    expect(evs.map((e) => e.event)).toEqual([
      "message_start", "content_block_start", ...Array(5).fill("content_block_delta"), "content_block_stop", "message_delta", "message_stop",
    ]);
  });

  test("completions and count_tokens", async () => {
    const c = (await (await post("/completions", { model: "m", prompt: "say hi", max_tokens: 50 })).json()) as any;
    expect(c.object).toBe("text_completion");
    expect(c.choices[0].text).toBe("Mock reply to: say hi");
    expect(await (await post("/messages/count_tokens", { model: "m", messages: [{ role: "user", content: "a b c" }] })).json()).toEqual({ input_tokens: 3 });
  });

  test("a long echo streams in at most 1,000 runs of tokens that add up to the whole reply", async () => {
    const said = Array.from({ length: 4321 }, (_, i) => `w${i}`).join(" ");
    const evs = await events(await post("/chat/completions", { model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: said }] }));
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e.data));
    const deltas = chunks.map((c) => c.choices[0]?.delta?.content).filter((t) => t);
    expect(deltas.length).toBeLessThanOrEqual(1000);
    expect(deltas.join("")).toBe(`Mock reply to: ${said}`);
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 4321, completion_tokens: 4325 });
    const cut = (await (await post("/chat/completions", { model: "m", max_tokens: 6, messages: [{ role: "user", content: said }] })).json()) as any;
    expect(cut.choices[0].message.content).toBe("Mock reply to: w0 w1");
  });

  test("errors in the endpoint's dialect", async () => {
    const r = await post("/messages", { model: "m", messages: [] });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.message).toContain("max_tokens");
  });

  test("responses: a message item with usage; the stream passes the strict Responses checks; no stored state", async () => {
    const body = (await (await post("/responses", { model: "m", instructions: "Be brief.", input: [{ role: "user", content: [{ type: "input_text", text: "Hello there" }] }] })).json()) as any;
    expect(body).toMatchObject({ object: "response", status: "completed", model: "m", instructions: "Be brief." });
    expect(body.output[0]).toMatchObject({ type: "message", role: "assistant", content: [{ type: "output_text", text: "Mock reply to: Hello there" }] });
    expect(body.usage).toMatchObject({ input_tokens: countMockTokens("Be brief. Hello there"), output_tokens: countMockTokens("Mock reply to: Hello there") });
    const text = await (await post("/responses", { model: "m", stream: true, input: "a b", max_output_tokens: 2 })).text();
    expect(responsesViolation(text)).toBeUndefined();
    const evs = createSseParser().push(text);
    const last = JSON.parse(evs.at(-1)!.data);
    expect(last.type).toBe("response.incomplete");
    expect(last.response.output[0].content[0].text).toBe("Mock reply");
    const r = await post("/responses", { model: "m", input: "x", previous_response_id: "resp_1" });
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).error.code).toBe("previous_response_not_found");
  });
});
