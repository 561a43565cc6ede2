import { describe, expect, test } from "bun:test";
import { testAccount } from "../../test/support/test-app.ts";
import { servesModel } from "../routing/serves-model.ts";
import { vertex } from "./vertex.ts";

const opts = { model: "gemini-2.5-flash", credential: "ya29.token", clientHeaders: new Headers(), dialect: "gemini" as const };

describe("vertex provider", () => {
  test("the regional URL per method, the token as a bearer; global's host has no region", () => {
    const a = testAccount({ provider: "vertex", project: "my-proj", region: "us-central1" });
    expect(vertex.dialectFor("anthropic-messages", a)).toBe("gemini");
    expect(vertex.target(a, opts)).toEqual({
      url: "https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
      headers: { "content-type": "application/json", authorization: "Bearer ya29.token" },
    });
    expect(vertex.target(a, { ...opts, stream: true }).url).toEndWith(":streamGenerateContent?alt=sse");
    expect(vertex.target(a, { ...opts, countTokens: true }).url).toEndWith(":countTokens");
    const global = testAccount({ provider: "vertex", project: "p" });
    expect(vertex.target(global, opts).url).toBe("https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent");
    expect(vertex.target(testAccount({ provider: "vertex", project: "p", region: "europe-west4", base_url: "http://127.0.0.1:9/" }), opts).url).toBe(
      "http://127.0.0.1:9/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent",
    );
  });

  test("an account without a project is refused with a message naming the fix; it serves Gemini's models", () => {
    expect(() => vertex.target(testAccount({ provider: "vertex" }), opts)).toThrow(/names no project/);
    expect(servesModel({ provider: "vertex" }, "gemini-2.5-pro")).toBe(true);
    expect(servesModel({ provider: "vertex" }, "claude-sonnet-4-5")).toBe(false);
  });
});
