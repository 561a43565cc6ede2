import { afterAll, beforeAll, expect, test } from "bun:test";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream.ts";
import { startLimitProxy, type LimitProxy } from "./limit-proxy.ts";
import { requestBody, STREAM_EVENTS, endpointPath, type BenchDialect } from "./fixtures.ts";
import { createSseParser } from "../src/transport/sse-parser.ts";
import { dialects } from "../src/dialects/index.ts";
import type { CanonicalStreamEvent } from "../src/dialects/types.ts";

let up: FakeUpstream;
let proxy: LimitProxy;
beforeAll(() => {
  up = startFakeUpstream();
  proxy = startLimitProxy({ upstream: up.url });
});
afterAll(() => {
  proxy.stop();
  up.stop();
});

const NAME = { openai: "openai-chat", anthropic: "anthropic-messages" } as const;
const post = (base: string, d: BenchDialect, model: string, stream: boolean) =>
  fetch(base + endpointPath(d), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(requestBody(d, model, stream)),
  });

for (const d of ["openai", "anthropic"] as const) {
  test(`${d}: JSON answer echoes the model and decodes with the gateway's own dialect`, async () => {
    const res = await post(up.url, d, "m-1", false);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string };
    expect(body.model).toBe("m-1");
    const canonical = dialects[NAME[d]].decodeResponse(body);
    expect(JSON.stringify(canonical)).toContain("quick brown fox");
  });

  test(`${d}: stream of ${STREAM_EVENTS} events that the gateway's decoder reads to its end`, async () => {
    const text = await (await post(up.url, d, "m-2", true)).text();
    const p = createSseParser();
    const events = [...p.push(text), ...p.end()];
    expect(events.length).toBe(STREAM_EVENTS);
    const dec = dialects[NAME[d]].streamDecoder();
    const out: CanonicalStreamEvent[] = [];
    for (const ev of events) out.push(...dec.push(ev));
    out.push(...dec.end());
    expect(out[0]!.type).toBe("start");
    expect(out.at(-1)!.type).toBe("end");
    expect(out.filter((e) => e.type === "text_delta").length).toBeGreaterThan(40);
  });

  test(`${d}: the limit proxy passes JSON and streams through byte for byte`, async () => {
    for (const stream of [false, true]) {
      const direct = await (await post(up.url, d, "m-3", stream)).text();
      const res = await post(proxy.url, d, "m-3", stream);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(direct);
    }
  });
}

test("a `-d<N>` model paces its stream one event per write and is counted while open", async () => {
  const res = await post(up.url, "openai", "gpt-x-d1", true);
  const reader = res.body!.getReader();
  let chunks = 0;
  let text = "";
  const dec = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += dec.decode(value, { stream: true });
  }
  expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  expect(chunks).toBeGreaterThan(1);
  const s = up.stats();
  expect(s.peakActiveStreams).toBeGreaterThanOrEqual(1);
  expect(s.activeStreams).toBe(0);
});

test("unknown paths 404, bad JSON 400, /health and /_stats answer", async () => {
  expect((await fetch(`${up.url}/nope`)).status).toBe(404);
  expect((await fetch(`${up.url}/v1/messages`, { method: "POST", body: "{" })).status).toBe(400);
  expect(await (await fetch(`${up.url}/health`)).text()).toBe("ok");
  expect(((await (await fetch(`${up.url}/_stats`)).json()) as { requests: number }).requests).toBeGreaterThan(0);
});
