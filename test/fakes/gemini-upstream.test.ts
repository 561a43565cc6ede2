/** The fake Gemini API refuses what Google's refuses (the tests through it rely on that). */
import { afterAll, describe, expect, test } from "bun:test";
import { SKIP, startFakeGemini } from "./gemini-upstream.ts";

const fake = startFakeGemini({ key: "k" });
afterAll(() => fake.stop());

const post = (model: string, body: unknown, opts: { key?: string | null; method?: string; query?: string } = {}) =>
  fetch(`${fake.url}/v1beta/models/${model}:${opts.method ?? "generateContent"}${opts.query ?? ""}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(opts.key === null ? {} : { "x-goog-api-key": opts.key ?? "k" }) },
    body: JSON.stringify(body),
  });
const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as any).error });
const user = (text: string) => ({ role: "user", parts: [{ text }] });
const call = (name: string, sig?: string) => ({ functionCall: { name, args: {} }, ...(sig ? { thoughtSignature: sig } : {}) });
const answer = (name: string) => ({ functionResponse: { name, response: { result: "x" } } });

describe("fake Gemini API", () => {
  test("keys: missing 403, wrong 400 API_KEY_INVALID", async () => {
    expect(await errorOf(await post("m", { contents: [user("hi")] }, { key: null }))).toMatchObject({ code: 403, status: "PERMISSION_DENIED" });
    const wrong = await errorOf(await post("m", { contents: [user("hi")] }, { key: "nope" }));
    expect([wrong.code, wrong.status, wrong.details[0].reason]).toEqual([400, "INVALID_ARGUMENT", "API_KEY_INVALID"]);
  });

  test("unknown fields, bad roles, OpenAPI-only parameters, count mismatches, bad values", async () => {
    const bad = async (model: string, body: unknown) => (await errorOf(await post(model, body))).message as string;
    expect(await bad("m", { contents: [user("hi")], stream: true })).toContain('Unknown name "stream"');
    expect(await bad("m", { contents: [user("hi")], generationConfig: { max_tokens: 5 } })).toContain('Unknown name "max_tokens" at \'generation_config\'');
    expect(await bad("m", { contents: [{ role: "assistant", parts: [{ text: "x" }] }] })).toContain("valid role");
    expect(await bad("m", { contents: [user("hi")], tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "object", additionalProperties: false } }] }] })).toContain('Unknown name "additionalProperties"');
    expect(await bad("m", { contents: [user("hi"), { role: "model", parts: [call("f"), call("g")] }, { role: "user", parts: [answer("f")] }] })).toContain("number of function response parts");
    expect(await bad("m", { contents: [user("hi")], generationConfig: { stopSequences: ["1", "2", "3", "4", "5", "6"] } })).toContain("stop_sequences");
    const json = await (await post("m", { contents: [user("hi")], tools: [{ functionDeclarations: [{ name: "f", parametersJsonSchema: { type: "object", additionalProperties: false } }] }] })).json();
    expect((json as any).candidates[0].finishReason).toBe("STOP");
  });

  test("thinking models: the current turn's first call needs a signature it issued, or the skip value", async () => {
    const turn = (sig?: string) => ({ contents: [user("go"), { role: "model", parts: [call("f", sig), call("g")] }, { role: "user", parts: [answer("f"), answer("g")] }] });
    expect((await errorOf(await post("gemini-3-pro", turn()))).message).toContain("missing a `thought_signature`");
    expect((await errorOf(await post("gemini-3-pro", turn("made-up")))).message).toContain("Corrupted thought signature");
    expect((await post("gemini-3-pro", turn(SKIP))).status).toBe(200);
    expect((await post("gemini-2.5-flash", turn())).status).toBe(200);
    // An earlier turn (before the last user text) is not checked.
    expect((await post("gemini-3-pro", { contents: [...turn().contents, { role: "model", parts: [{ text: "done" }] }, user("next")] })).status).toBe(200);
  });

  test("streams: SSE with alt=sse, the JSON array without it; the last chunk has finishReason and usage", async () => {
    fake.enqueue({ parts: [{ text: "Hello" }] });
    const sse = await (await post("gemini-3-pro", { contents: [user("hi")] }, { method: "streamGenerateContent", query: "?alt=sse" })).text();
    const chunks = sse.split("\r\n\r\n").filter(Boolean).map((l) => JSON.parse(l.slice(6)));
    expect(chunks.map((c) => c.candidates[0].content.parts[0].text).join("")).toBe("Hello");
    expect(chunks.at(-1).candidates[0]).toMatchObject({ finishReason: "STOP" });
    expect(chunks.at(-1).candidates[0].content.parts[0].thoughtSignature).toBe(fake.issued.at(-1));
    const array = JSON.parse(await (await post("m", { contents: [user("hi")] }, { method: "streamGenerateContent" })).text());
    expect(array.at(-1).usageMetadata.totalTokenCount).toBe(17);
  });
});
