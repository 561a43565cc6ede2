/**
 * Where the gateway's time goes: starts the gateway from source under `bun --cpu-prof`, drives the gateway
 * scenarios (or the ones named) at 64 connections, stops it, and prints self time by function and by file.
 *
 *   bun bench/profile.ts [--seconds 4] [--only conversion] [--stream|--no-stream] [--keep]
 *
 * `--keep` leaves the .cpuprofile (open it in Chrome DevTools or speedscope) and says where it is.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCENARIOS, isGateway, requestFor, startServices } from "./scenarios.ts";
import { setupGateway } from "./gateway-setup.ts";
import { runLoadInChild } from "./load.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
}

export interface ProfileSummary {
  totalSamples: number;
  byFunction: { name: string; share: number }[];
  byFile: { name: string; share: number }[];
}

/** Self time of a Chrome-format .cpuprofile, by function and by file (shares of all samples). */
export function summarizeProfile(p: CpuProfile, top = 25): ProfileSummary {
  const hits = new Map<number, number>();
  if (p.samples?.length) for (const id of p.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of p.nodes) hits.set(n.id, n.hitCount ?? 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? 0;
    if (!h) continue;
    total += h;
    const file = n.callFrame.url ? n.callFrame.url.replace(/^.*\/(src|node_modules)\//, "$1/") : "(native)";
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${file}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + h);
    byFile.set(file, (byFile.get(file) ?? 0) + h);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, h]) => ({ name, share: Math.round((h / Math.max(1, total)) * 1000) / 10 }));
  return { totalSamples: total, byFunction: rank(byFn), byFile: rank(byFile) };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const get = (n: string) => {
    const i = args.indexOf(`--${n}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seconds = Number(get("seconds") ?? 4);
  const only = get("only");
  // `--paced MS`: each stream event written on its own, MS apart (as real upstreams deliver), to see per-chunk work.
  const paced = get("paced");
  const streams = paced !== undefined || args.includes("--stream") ? [true] : args.includes("--no-stream") ? [false] : [false, true];
  const profDir = mkdtempSync(join(tmpdir(), "lgw-prof-"));
  const svc = await startServices({ gateway: false });
  const setup = setupGateway({ upstreamUrl: svc.upstream.url, prefer: "source" });
  try {
    const [bun, ...rest] = setup.startArgs;
    const gw = await svc.group.start("gateway (profiled)", [bun!, "--cpu-prof", `--cpu-prof-dir=${profDir}`, ...rest], { env: setup.env });
    const ep = { ...svc.endpoints, gateway: gw.url, gatewayKey: setup.key };
    for (const s of SCENARIOS.filter((x) => isGateway(x) && (!only || x.id.includes(only)))) {
      for (const stream of streams) {
        const r = await runLoadInChild({ ...requestFor(s, stream, ep, paced !== undefined ? `-d${paced}` : ""), connections: 64, durationMs: seconds * 1000, warmupMs: 0 });
        console.log(`${s.id}${stream ? " stream" : ""}: ${r.rps} req/s, ${r.errors + r.non2xx} errors`);
      }
    }
    await gw.stop();
    const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no .cpuprofile written in ${profDir}`);
    const sum = summarizeProfile(JSON.parse(readFileSync(join(profDir, file), "utf8")) as CpuProfile);
    console.log(`\n${sum.totalSamples} samples; self time by file:`);
    for (const f of sum.byFile) console.log(`${f.share.toFixed(1).padStart(6)}%  ${f.name}`);
    console.log("\nself time by function:");
    for (const f of sum.byFunction) console.log(`${f.share.toFixed(1).padStart(6)}%  ${f.name}`);
    if (args.includes("--keep")) console.log(`\nprofile: ${join(profDir, file)}`);
  } finally {
    await svc.stop();
    setup.cleanup();
    if (!args.includes("--keep")) rmSync(profDir, { recursive: true, force: true });
  }
}
