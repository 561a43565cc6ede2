/**
 * The short bench for CI (`.ci/run` calls `bun bench/ci.ts` after building the binary): the core scenarios with
 * short measurements (about four minutes, the usage ledger's A/B and the several-processes runs of cluster.ts
 * included), the table printed, results written. Exit 1 only when a throughput
 * ratio falls below its floor (FLOORS in report.ts, written beside the targets in bench/README.md) or when the
 * gateway cannot be measured at all; latency, memory and cold start are reported, never gated (CI is noisy).
 */
import { runBench } from "./run.ts";
import { CI_SETTINGS } from "./scenarios.ts";

const run = await runBench({
  mode: "ci",
  settings: CI_SETTINGS,
  build: false,
  gateway: "auto",
  memory: false,
  coldStartRuns: 3,
  microMs: 300,
  pipelineMs: 700,
  streamsConcurrent: 0,
  growthRequests: 0,
  log: (l) => console.log(l),
});
const below = run.checks.filter((c) => c.floor !== undefined && c.floorPass === false);
if (!run.gatewayRan) {
  console.log("bench: FAILED: the gateway could not be measured");
  process.exit(1);
}
if (below.length > 0) {
  console.log(`bench: FAILED: ${below.map((c) => `${c.name} ${c.value} < floor ${c.floor}`).join("; ")}`);
  process.exit(1);
}
console.log("bench: ok (every ratio above its CI floor)");
