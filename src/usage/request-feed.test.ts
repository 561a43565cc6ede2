import { expect, test } from "bun:test";
import { createRequestFeed } from "./request-feed.ts";

test("the ring keeps the newest requests, newest first; tokens join their request by id, also after it answered", () => {
  let now = Date.parse("2026-06-01T12:00:30Z");
  const feed = createRequestFeed({ clock: () => now, size: 3 });
  for (let i = 1; i <= 5; i++) {
    const e = feed.begin(`req_${i}`, "POST", "/v1/chat/completions");
    feed.end(e, { status: i === 5 ? 500 : 200, latencyMs: 10 * i, model: "m", keyId: "key_a", accountId: "up_a" });
  }
  feed.tokens("req_5", { inputTokens: 7, outputTokens: 3 });
  feed.tokens("req_1", { inputTokens: 100, outputTokens: 100 }); // fell out of the ring: counted in its minute only
  const recent = feed.recent(10);
  expect(recent.map((r) => r.request_id)).toEqual(["req_5", "req_4", "req_3"]);
  expect(recent[0]).toMatchObject({ seq: 5, status: 500, latency_ms: 50, input_tokens: 7, output_tokens: 3, key_id: "key_a", account_id: "up_a" });
  expect(feed.recent(1)).toHaveLength(1);
  const inFlight = feed.begin("req_6", "POST", "/v1/messages");
  expect(feed.recent(1)[0]).toMatchObject({ request_id: "req_6", status: 0 });
  feed.end(inFlight, { status: 401, latencyMs: 1, errorType: "authentication" });

  const minutes = feed.minutes(60);
  expect(minutes).toHaveLength(60);
  expect(minutes.at(-1)).toEqual({ minute: "2026-06-01T12:00:00.000Z", requests: 6, errors: 2, latency_ms_avg: 25.17, input_tokens: 107, output_tokens: 103 });
  expect(minutes.at(-2)).toMatchObject({ requests: 0, latency_ms_avg: null });
  now += 60 * 60_000;
  expect(feed.minutes(60).every((m) => m.requests === 0)).toBe(true);
});
