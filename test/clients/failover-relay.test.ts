/**
 * When failover runs out, the official clients get what the last upstream said: its status, its message and type
 * in the client's dialect, its retry-after and rate-limit headers (the gateway's own request id and CORS headers
 * still apply). The gateway's own "unavailable" answer is for requests that reached no upstream at all.
 * One account and three, 429 with and without retry-after, 529, 500, OpenAI and Anthropic clients.
 */
import { afterEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { FaultStep } from "../fakes/fault-upstream.ts";
import type { UpstreamKind } from "../resilience/harness.ts";
import { type FaultGateway, NAMES, startFaultGateway, thrown } from "./fault-gateway.ts";

let g: FaultGateway | undefined;
afterEach(async () => {
  await g?.stop();
  g = undefined;
});

type Client = "openai" | "anthropic";

interface Fault {
  name: string;
  /** The step account `i` answers with. */
  step(i: number): FaultStep;
  message: string;
  status: Record<Client, number>;
  type: Record<Client, string>;
  /** retry-after the client must see when account `i` answered last (undefined: none). */
  retryAfter(i: number): string | undefined;
}

// Each account's rate-limit headers differ, so the client's copy says whose answer it got.
const limits = (i: number) => ({ "x-ratelimit-remaining-requests": String(10 + i), "anthropic-ratelimit-requests-remaining": String(20 + i), "x-request-id": `upstream-req-${i}` });

const FAULTS: Fault[] = [
  {
    name: "429 with retry-after",
    step: (i) => ({ mode: "429", retryAfter: String(i + 1), headers: limits(i) }),
    message: "rate limited by the fault upstream",
    status: { openai: 429, anthropic: 429 },
    type: { openai: "rate_limit_exceeded", anthropic: "rate_limit_error" },
    retryAfter: (i) => String(i + 1),
  },
  {
    name: "429 without retry-after",
    step: (i) => ({ mode: "429", retryAfter: null, headers: limits(i) }),
    message: "rate limited by the fault upstream",
    status: { openai: 429, anthropic: 429 },
    type: { openai: "rate_limit_exceeded", anthropic: "rate_limit_error" },
    retryAfter: () => undefined,
  },
  {
    name: "529",
    step: (i) => ({ mode: "529", headers: limits(i) }),
    message: "Overloaded",
    // OpenAI clients expect 503 for an overload; Anthropic's keep 529 (their SDK has its own retry policy for it).
    status: { openai: 503, anthropic: 529 },
    type: { openai: "server_error", anthropic: "overloaded_error" },
    retryAfter: () => undefined,
  },
  {
    name: "500",
    step: (i) => ({ mode: "500", headers: limits(i) }),
    message: "internal error in the fault upstream",
    status: { openai: 500, anthropic: 500 },
    type: { openai: "server_error", anthropic: "api_error" },
    retryAfter: () => undefined,
  },
];

const LAYOUTS: { name: string; kinds: UpstreamKind[] }[] = [
  { name: "one OpenAI-compatible account", kinds: ["openai-compatible"] },
  { name: "one Anthropic account", kinds: ["anthropic"] },
  { name: "three accounts of both dialects", kinds: ["anthropic", "openai-compatible", "anthropic"] },
];

async function call(gw: FaultGateway, client: Client) {
  const headers = { origin: "https://app.example" };
  if (client === "openai") {
    return thrown(gw.openai.chat.completions.create({ model: "fault-model", messages: [{ role: "user", content: "hi" }] }, { headers }));
  }
  return thrown(gw.anthropic.messages.create({ model: "fault-model", max_tokens: 32, messages: [{ role: "user", content: "hi" }] }, { headers }));
}

for (const client of ["openai", "anthropic"] as const) {
  describe(`${client} client: the last upstream answer when no account is left`, () => {
    for (const layout of LAYOUTS) {
      for (const fault of FAULTS) {
        test(`${layout.name}, every one answers ${fault.name}`, async () => {
          const gw = (g = await startFaultGateway(layout.kinds.map((kind, i) => ({ kind, mode: fault.step(i) })), { strategy: "priority" }));
          const last = layout.kinds.length - 1;
          const err = await call(gw, client);
          expect(err).toBeInstanceOf(client === "openai" ? OpenAI.APIError : Anthropic.APIError);
          expect(err.status).toBe(fault.status[client]);
          const body = client === "openai" ? err.error : err.error.error;
          expect(body.message).toBe(fault.message);
          expect(body.type).toBe(fault.type[client]);
          if (client === "anthropic") expect(err.error.type).toBe("error");
          const h: Headers = err.headers;
          expect(h.get("retry-after") ?? undefined).toBe(fault.retryAfter(last));
          expect(h.get("x-ratelimit-remaining-requests")).toBe(String(10 + last));
          expect(h.get("anthropic-ratelimit-requests-remaining")).toBe(String(20 + last));
          // The gateway's own request id and CORS headers win; the upstream's id travels on under another name.
          expect(h.get("x-request-id")).not.toContain("upstream-req");
          expect(h.get("x-upstream-request-id")).toBe(`upstream-req-${last}`);
          expect(h.get("access-control-allow-origin")).toBeTruthy();
          // Each account was asked once.
          expect(gw.upstreams.map((u) => u.requests.length)).toEqual(layout.kinds.map(() => 1));
        });
      }
    }

    test("three accounts: the last answer wins over an earlier one of another kind (429, then 500)", async () => {
      const gw = (g = await startFaultGateway(
        [
          { kind: "openai-compatible", mode: { mode: "429", retryAfter: "30" } },
          { kind: "anthropic", mode: "500" },
        ],
        { strategy: "priority" },
      ));
      const err = await call(gw, client);
      expect(err.status).toBe(500);
      expect(err.headers.get("retry-after")).toBeNull();
    });

    test("no attempt reached an upstream (every account cooling): the gateway's own 429 with Retry-After", async () => {
      const gw = (g = await startFaultGateway(
        NAMES.slice(0, 3).map((_, i) => ({ kind: "openai-compatible" as const, mode: { mode: "429" as const, retryAfter: String(40 - 10 * i) } })),
        { strategy: "priority" },
      ));
      expect((await call(gw, client)).headers.get("retry-after")).toBe("20"); // relayed: the last account's
      const err = await call(gw, client);
      expect(err.status).toBe(429);
      const body = client === "openai" ? err.error : err.error.error;
      expect(body.message).toContain("every upstream account for model fault-model is unavailable");
      expect(err.headers.get("retry-after")).toBe("20"); // the earliest recovery
      expect(gw.upstreams.map((u) => u.requests.length)).toEqual([1, 1, 1]);
    });

    test("a client error (400) from an upstream is passed back at once, without failover", async () => {
      const gw = (g = await startFaultGateway([{ kind: "anthropic", mode: "400" }, { kind: "openai-compatible" }], { strategy: "priority" }));
      const err = await call(gw, client);
      expect(err.status).toBe(400);
      expect((client === "openai" ? err.error : err.error.error).message).toBe("the fault upstream rejects this request");
      expect(gw.upstreams.map((u) => u.requests.length)).toEqual([1, 0]);
      expect(gw.router.status("up_a")).toMatchObject({ state: "healthy", recentFailures: 0 });
    });
  });
}
