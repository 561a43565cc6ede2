import { expect, test } from "bun:test";
import { runPipeline } from "./pipeline.ts";

test("the in-process pipeline bench answers every route, stream and not, through the whole app", async () => {
  // Each case throws unless the app answered 200 with a body; the access log must have been written.
  const cases = await runPipeline({ durationMs: 35 });
  expect(cases.map((c) => c.name)).toEqual([
    "passthrough openai→openai",
    "passthrough anthropic→anthropic",
    "conversion openai→anthropic",
    "conversion anthropic→openai",
    "conversion openai→gemini",
    "conversion responses→anthropic",
    "conversion openai→responses",
    "passthrough gemini→gemini",
    "conversion gemini→anthropic",
    "passthrough openai→openai stream",
    "passthrough openai→openai stream, usage not asked",
    "passthrough anthropic→anthropic stream",
    "conversion openai→anthropic stream",
    "conversion anthropic→openai stream",
    "conversion openai→gemini stream",
    "conversion responses→anthropic stream",
    "conversion openai→responses stream",
    "passthrough gemini→gemini stream",
    "conversion gemini→anthropic stream",
  ]);
  for (const c of cases) expect(c.usPerRequest).toBeGreaterThan(0);
});
