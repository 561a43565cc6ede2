/**
 * Cold start: from spawning the gateway (`server start --port 0`) to its first /health answer, repeated; the
 * compiled binary is what ships, so that is what counts. Run alone: `bun bench/cold-start.ts [--runs 10] [--source]`.
 */
import { waitForListening } from "./processes.ts";
import { setupGateway, type GatewaySetup } from "./gateway-setup.ts";

export interface ColdStartResult {
  kind: "binary" | "source";
  runs: number;
  samplesMs: number[];
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** Spawn to the `listening on` line. */
  listeningMedianMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const r2 = (v: number) => Math.round(v * 100) / 100;

export async function measureColdStart(setup: GatewaySetup, runs = 10): Promise<ColdStartResult> {
  const samples: number[] = [];
  const listening: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const proc = Bun.spawn(setup.startArgs, { env: setup.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    try {
      const url = await waitForListening(proc.stdout, () => "");
      listening.push(performance.now() - t0);
      for (;;) {
        const res = await fetch(`${url}/health`).catch(() => undefined);
        if (res?.status === 200) {
          await res.arrayBuffer();
          break;
        }
        if (proc.exitCode !== null) throw new Error(`gateway exited ${proc.exitCode} before /health answered`);
      }
      samples.push(performance.now() - t0);
    } finally {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await proc.exited;
      clearTimeout(t);
    }
  }
  return {
    kind: setup.kind,
    runs,
    samplesMs: samples.map(r2),
    minMs: r2(Math.min(...samples)),
    medianMs: r2(median(samples)),
    maxMs: r2(Math.max(...samples)),
    listeningMedianMs: r2(median(listening)),
  };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--runs");
  // The fake upstream is not needed to answer /health; the accounts only need a URL.
  const setup = setupGateway({ upstreamUrl: "http://127.0.0.1:9", prefer: args.includes("--source") ? "source" : "auto" });
  try {
    console.log(JSON.stringify(await measureColdStart(setup, i >= 0 ? Number(args[i + 1]) : 10), null, 2));
  } finally {
    setup.cleanup();
  }
}
