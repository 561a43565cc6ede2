/**
 * Soak: every request answered (a success, or a clean error in the client's dialect when every attempt failed),
 * the success rate the fault mix predicts, no request slot leaked, memory flat.
 *
 * Two runs:
 * - 20,000 requests through the real app and router with `app.handle` and an in-process faulty fetch (no sockets):
 *   20,000 TCP connections would measure the kernel's TIME_WAIT handling, not the gateway;
 * - 1,500 requests over real sockets to three fault upstreams (test/fakes/fault-upstream.ts).
 * The routing section is set so health state never excludes an account (no breaker, zero cooldowns): then every
 * attempt fails independently with the mix's probability and the success rate can be predicted exactly. The
 * rules that do exclude accounts are proven one by one in routing-rules.test.ts and the fault matrix.
 */
import { afterEach, expect, test } from "bun:test";
import type { FaultMode, FaultStep } from "../fakes/fault-upstream.ts";
import { account, type ClientDialect, makeRig, readAnswer, type Rig, upstreamPool } from "./harness.ts";
import { type FaultMix, faultFetch, pickFault, seededRandom } from "./in-process-faults.ts";

const pool = upstreamPool();
afterEach(() => pool.stopAll());

/** Health state that never takes an account out, so attempts are independent trials. */
const neutralRouting = {
  strategy: "health-first" as const,
  failure_threshold: 1_000_000_000,
  error_rate_threshold: 1,
  min_requests: 1_000_000_000,
  rate_limit_cooldown: 0,
  overload_cooldown: 0,
  min_cooldown: 0,
};

/** Faults before anything reached the client fail over; for streams, `post` faults come after the first event. */
function predictedSuccess(pre: number, postForStreams: number, attempts: number, streamShare: number) {
  const json = 1 - (pre + postForStreams) ** attempts;
  let stream = 0;
  for (let k = 0; k < attempts; k++) stream += (1 - pre - postForStreams) * pre ** k;
  return (1 - streamShare) * json + streamShare * stream;
}

interface Tally {
  success: number;
  cleanError: number;
  unclean: string[];
}

async function drive(rig: Rig, total: number, concurrency: number, tally: Tally) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const client: ClientDialect = i % 2 === 0 ? "openai" : "anthropic";
      const stream = i % 4 >= 2;
      let a;
      try {
        a = await rig.ask(client, { stream });
      } catch (e) {
        tally.unclean.push(`request ${i}: ${String(e)}`);
        continue;
      }
      if (a.status === 200 && a.text === "soak answer" && (!stream || (a.completed && !a.streamError))) tally.success++;
      else if (a.status !== 200 && isDialectError(client, a.json)) tally.cleanError++;
      else if (a.status === 200 && stream && !a.completed && isDialectError(client, a.streamError)) tally.cleanError++;
      else tally.unclean.push(`request ${i}: ${a.status} ${JSON.stringify(a.json ?? a.events)?.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function isDialectError(client: ClientDialect, body: any): boolean {
  if (client === "anthropic") return body?.type === "error" && typeof body.error?.type === "string" && typeof body.error?.message === "string";
  return typeof body?.error?.message === "string" && typeof body.error?.type === "string";
}

const memory = () => {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
};
const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;

test(
  "20,000 requests (both dialects, half streaming) over three accounts with 30% injected faults, in process",
  async () => {
    const mix: FaultMix = {
      "429": 0.05,
      "529": 0.04,
      "500": 0.05,
      "503": 0.03,
      reset: 0.05,
      hang: 0.005,
      "malformed-json": 0.025,
      "malformed-sse": 0.02,
      "cut-stream": 0.015,
      "reset-mid-stream": 0.015,
    };
    const post = mix["cut-stream"]! + mix["reset-mid-stream"]!;
    const pre = Object.values(mix).reduce((a, b) => a + b!, 0) - post;
    expect(pre + post).toBeCloseTo(0.3, 10);
    const random = seededRandom(5);
    const counts: Record<string, number> = {};
    const base = "http://upstream.test";
    const rig = makeRig(
      [account("openai-compatible", `${base}/a`, "a"), account("anthropic", `${base}/b`, "b"), account("openai-compatible", `${base}/c`, "c")],
      { fetch: faultFetch(() => pickFault(mix, random()), counts), patch: { routing: neutralRouting, proxy: { first_byte_timeout: 0.5, max_attempts: 3 } } },
    );

    const warm: Tally = { success: 0, cleanError: 0, unclean: [] };
    await drive(rig, 2000, 64, warm);
    const before = memory();
    const started = performance.now();
    const tally: Tally = { success: 0, cleanError: 0, unclean: [] };
    const total = 20_000;
    await drive(rig, total, 64, tally);
    const seconds = (performance.now() - started) / 1000;
    const after = memory();

    const rate = tally.success / total;
    const predicted = predictedSuccess(pre, post, 3, 0.5);
    console.log(
      `soak (in process): ${total} requests in ${seconds.toFixed(1)} s, success ${(rate * 100).toFixed(2)}% (predicted ${(predicted * 100).toFixed(2)}%), ` +
        `clean errors ${tally.cleanError}, rss ${mb(before.rss)} → ${mb(after.rss)} MB, heap ${mb(before.heap)} → ${mb(after.heap)} MB, attempts ${JSON.stringify(counts)}`,
    );
    if (tally.unclean.length) console.log("unclean:", JSON.stringify(tally.unclean.slice(0, 5)));
    expect(tally.unclean).toEqual([]);
    expect(tally.success + tally.cleanError).toBe(total);
    // Binomial standard deviation at n = 20,000 is about 0.15 points: 1.5 points is ten of them.
    expect(Math.abs(rate - predicted)).toBeLessThan(0.015);
    for (const id of ["up_a", "up_b", "up_c"]) expect(rig.router.status(id).inFlight).toBe(0);
    // Flat memory: a leak of even 1 KB per request would add ~20 MB of heap.
    expect(after.heap - before.heap).toBeLessThan(16 * 1048576);
    expect(after.rss - before.rss).toBeLessThan(128 * 1048576);
  },
  60_000,
);

test(
  "1,500 requests over real sockets to three fault upstreams with 30% injected faults",
  async () => {
    const random = seededRandom(13);
    // Pre-commit faults only for JSON; `cut-stream` is post-commit for streams (its first events arrive).
    const shares: [FaultMode | FaultStep, number][] = [
      [{ mode: "429", retryAfter: "0" }, 0.06],
      ["529", 0.04],
      ["500", 0.05],
      ["503", 0.03],
      ["reset-before-headers", 0.05],
      ["malformed-json", 0.03],
      ["malformed-sse", 0.02],
      ["cut-stream", 0.02],
    ];
    const draw = (): FaultMode | FaultStep => {
      const r = random();
      let acc = 0;
      for (const [m, s] of shares) if (r < (acc += s)) return m;
      return "ok";
    };
    const ups = await Promise.all([0, 1, 2].map(() => pool.start({ mode: "ok", text: "soak answer" })));
    const total = 1500;
    // Each attempt takes the next scripted step of whichever upstream it reaches: every upstream gets enough.
    for (const u of ups) u.script(...Array.from({ length: total * 3 }, () => withText(draw())));
    const rig = makeRig(
      [account("openai-compatible", ups[0]!.url, "a"), account("anthropic", ups[1]!.url, "b"), account("openai-compatible", ups[2]!.url, "c")],
      { patch: { routing: neutralRouting, proxy: { first_byte_timeout: 2, stream_idle_timeout: 2, max_attempts: 3 } } },
    );
    const tally: Tally = { success: 0, cleanError: 0, unclean: [] };
    const started = performance.now();
    await drive(rig, total, 16, tally);
    const rate = tally.success / total;
    const predicted = predictedSuccess(0.28, 0.02, 3, 0.5);
    console.log(
      `soak (sockets): ${total} requests in ${((performance.now() - started) / 1000).toFixed(1)} s, success ${(rate * 100).toFixed(2)}% (predicted ${(predicted * 100).toFixed(2)}%), clean errors ${tally.cleanError}`,
    );
    if (tally.unclean.length) console.log("unclean:", JSON.stringify(tally.unclean.slice(0, 5)));
    expect(tally.unclean).toEqual([]);
    expect(tally.success + tally.cleanError).toBe(total);
    // n = 1,500: one standard deviation is about 0.5 points.
    expect(Math.abs(rate - predicted)).toBeLessThan(0.03);
    for (const id of ["up_a", "up_b", "up_c"]) expect(rig.router.status(id).inFlight).toBe(0);
    for (const u of ups) await u.waitForClosed(u.connectionsOpened);
  },
  60_000,
);

function withText(m: FaultMode | FaultStep): FaultStep {
  return typeof m === "string" ? { mode: m, text: "soak answer" } : { ...m, text: "soak answer" };
}

export {};
