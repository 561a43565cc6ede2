import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { SCENARIOS, requestFor, startServices, modelFor } from "./scenarios.ts";
import { setupGateway } from "./gateway-setup.ts";
import { readRss } from "./processes.ts";
import { runLoad } from "./load.ts";

const ep = { direct: "http://d", limit: "http://l", gateway: "http://g", gatewayKey: "lgw_k" };
const by = (id: string) => SCENARIOS.find((s) => s.id === id)!;

test("requests: endpoint, credentials and model by client and upstream dialect", () => {
  const conv = requestFor(by("conversion openai→anthropic"), true, ep);
  expect(conv.url).toBe("http://g/v1/chat/completions");
  expect(conv.headers!.authorization).toBe("Bearer lgw_k");
  expect(JSON.parse(conv.body!)).toMatchObject({ model: "claude-bench", stream: true });
  expect(conv.terminator).toBe("[DONE]");

  const an = requestFor(by("conversion anthropic→openai"), false, ep, "-d5");
  expect(an.url).toBe("http://g/v1/messages");
  expect(an.headers).toMatchObject({ "x-api-key": "lgw_k", "anthropic-version": "2023-06-01" });
  expect(JSON.parse(an.body!).model).toBe("gpt-bench-d5");
  expect(an.terminator).toBeUndefined();

  expect(requestFor(by("direct anthropic"), true, ep).url).toBe("http://d/v1/messages");
  expect(requestFor(by("limit-proxy openai"), false, ep).url).toBe("http://l/v1/chat/completions");
  expect(() => requestFor(by("passthrough openai→openai"), false, { direct: "x", limit: "y" })).toThrow();
  expect(modelFor("anthropic")).toBe("claude-bench");
  const gm = requestFor(by("conversion openai→gemini"), true, ep);
  expect(JSON.parse(gm.body!).model).toBe("gemini-bench");
  const direct = requestFor(by("direct gemini"), true, ep);
  expect(direct.url).toBe("http://d/v1beta/models/gemini-bench:streamGenerateContent?alt=sse");
  expect(direct.headers!["x-goog-api-key"]).toBe("dummy");
  expect(direct.terminator).toBe(`"candidatesTokenCount"`);
  const rs = requestFor(by("conversion responses→anthropic"), true, ep);
  expect(rs.url).toBe("http://g/v1/responses");
  expect(rs.headers!.authorization).toBe("Bearer lgw_k");
  expect(JSON.parse(rs.body!)).toMatchObject({ model: "claude-bench", stream: true, input: [{ role: "user" }] });
  expect(rs.terminator).toBe(`"total_tokens"`);
  expect(JSON.parse(requestFor(by("conversion openai→responses"), false, ep).body!).model).toBe("resp-bench");
  const gc = requestFor(by("conversion gemini→anthropic"), true, ep);
  expect(gc.url).toBe("http://g/v1beta/models/claude-bench:streamGenerateContent?alt=sse");
  expect(gc.headers!["x-goog-api-key"]).toBe("lgw_k");
  expect(JSON.parse(gc.body!)).not.toHaveProperty("model");
  expect(requestFor(by("passthrough gemini→gemini"), false, ep).url).toBe("http://g/v1beta/models/gemini-bench:generateContent");
});

test("services: fake upstream and limit proxy run as processes, answer, and stop", async () => {
  const svc = await startServices({ gateway: false });
  try {
    expect(readRss(svc.upstream.pid)).toBeGreaterThan(0);
    for (const s of SCENARIOS.filter((x) => x.kind === "limit" || x.kind === "direct")) {
      const r = await runLoad({ ...requestFor(s, true, svc.endpoints), connections: 2, requests: 4 });
      expect(r).toMatchObject({ ok: 4, errors: 0, eventsPerResponse: 50 });
    }
  } finally {
    await svc.stop();
  }
  expect(svc.upstream.proc.exitCode !== null || svc.upstream.proc.signalCode !== null).toBe(true);
  expect(svc.limit.proc.exitCode !== null || svc.limit.proc.signalCode !== null).toBe(true);
});

test("gateway setup through the CLI: rate-limited key, four accounts, access log on", () => {
  const setup = setupGateway({ upstreamUrl: "http://127.0.0.1:9/", prefer: "source" });
  try {
    expect(setup.key.length).toBeGreaterThan(10);
    const cfg = YAML.parse(readFileSync(setup.configPath, "utf8"));
    expect(cfg.logging.level).toBe(process.env.BENCH_LOG_LEVEL ?? "info");
    expect(cfg.gateway_keys[0].rate_limit_rpm).toBe(1_000_000_000);
    expect(cfg.upstream_accounts.map((a: { provider: string; base_url: string; models: string[] }) => [a.provider, a.base_url, a.models])).toEqual([
      ["openai-compatible", "http://127.0.0.1:9/v1", ["gpt-*"]],
      ["anthropic", "http://127.0.0.1:9", ["claude-*"]],
      ["gemini", "http://127.0.0.1:9", ["gemini-*"]],
      ["openai-compatible", "http://127.0.0.1:9/v1", ["resp-*"]],
    ]);
    expect(cfg.upstream_accounts[3].responses_models).toEqual(["*"]);
    expect(setup.startArgs).toContain("--port");
  } finally {
    setup.cleanup();
  }
}, 30_000);
