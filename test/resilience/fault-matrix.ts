/**
 * The fault matrix, shared by one test file per client dialect: account A (first in priority order) misbehaves
 * in one way, account B answers. For every fault, streaming or not, with A speaking the client's dialect
 * (passthrough) or the other one (conversion), the client gets B's complete answer, or — when the fault comes
 * after the first event already reached the client — a clean error event in its own dialect. Afterwards A's
 * state is what the fault means, no request slot is left taken, and A's connection is closed (a hang was
 * aborted by the gateway's own timer: the fault upstream never ends a hang by itself, so the answer arriving
 * at all proves the deadline fired).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { FaultMode } from "../fakes/fault-upstream.ts";
import { account, type ClientDialect, errorType, makeRig, upstreamPool, type UpstreamKind } from "./harness.ts";

type Expect = "failover" | "stream-error" | "either";

const MODES: FaultMode[] = [
  "429",
  "529",
  "500",
  "503",
  "hang-before-headers",
  "hang-mid-stream",
  "reset-before-headers",
  "reset-mid-stream",
  "malformed-json",
  "malformed-sse",
  "cut-stream",
];

function expected(mode: FaultMode, stream: boolean): Expect {
  if (!stream) return "failover";
  if (mode === "hang-mid-stream" || mode === "cut-stream") return "stream-error";
  // The RST may reach the gateway before or after the first event was read.
  if (mode === "reset-mid-stream") return "either";
  return "failover";
}

function expectedState(mode: FaultMode): { state: string; reason?: string; what?: string } {
  if (mode === "429") return { state: "cooling", reason: "rate_limited" };
  if (mode === "529") return { state: "cooling", reason: "overloaded" };
  if (mode === "hang-before-headers") return { state: "circuit_open", what: "timed out" };
  // failure_threshold is 1 in the rig: one failure opens the breaker.
  return { state: "circuit_open" };
}

export function defineFaultMatrix(client: ClientDialect) {
  const pool = upstreamPool();
  afterEach(() => pool.stopAll());
  const same: UpstreamKind = client === "openai" ? "openai-compatible" : "anthropic";
  const other: UpstreamKind = client === "openai" ? "anthropic" : "openai-compatible";

  for (const [aKind, bKind] of [[same, other], [other, same]] as const) {
    describe(`${client} client, failing account speaks ${aKind}, the other ${bKind}`, () => {
      for (const stream of [false, true]) {
        for (const mode of MODES) {
          const exp = expected(mode, stream);
          test(`${stream ? "stream" : "json"}: ${mode} → ${exp}`, async () => {
            const a = await pool.start(mode === "429" ? { mode, retryAfter: "30" } : mode);
            const b = await pool.start({ mode: "ok", text: "from B" });
            const rig = makeRig([account(aKind, a.url, "a"), account(bKind, b.url, "b")]);
            const answer = await rig.ask(client, { stream });

            const failedOver = answer.status === 200 && answer.text === "from B";
            if (exp === "failover" || (exp === "either" && failedOver)) {
              expect(answer.status).toBe(200);
              expect(answer.text).toBe("from B");
              if (stream) expect(answer.completed).toBe(true);
              expect(b.requests.length).toBe(1);
              // The request B got was encoded for B's dialect.
              expect(b.requests[0]!.dialect).toBe(bKind === "anthropic" ? "anthropic-messages" : "openai-chat");
            } else {
              expect(answer.status).toBe(200);
              expect(answer.completed).not.toBe(true);
              expect(answer.streamError).toBeDefined();
              errorType(client, answer.streamError);
              expect(b.requests.length).toBe(0);
            }
            expect(a.requests.length).toBe(1);
            expect(a.requests[0]!.dialect).toBe(aKind === "anthropic" ? "anthropic-messages" : "openai-chat");

            const s = rig.router.status("up_a");
            const want = expectedState(mode);
            expect(s.state).toBe(want.state as typeof s.state);
            if (want.reason) expect(s.reason).toBe(want.reason);
            if (want.what) expect(s.lastFailure?.what).toBe(want.what);
            if (mode === "429") expect(s.until! - Date.now()).toBeGreaterThan(25_000);
            expect(rig.router.status("up_b").state).toBe("healthy");
            expect(s.inFlight).toBe(0);
            expect(rig.router.status("up_b").inFlight).toBe(0);
            // Every connection to A ends: hangs are aborted by the gateway, not left open.
            await a.waitForClosed(1);
            expect(a.openConnections).toBe(0);
          });
        }
      }
    });
  }
}
