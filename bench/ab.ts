/**
 * A quick A/B of the gateway's stream paths while optimising: gateway from source against the limit proxy,
 * stream scenarios only, a few seconds each. `bun bench/ab.ts [--seconds 3] [--only passthrough]`
 */
import { setupGateway } from "./gateway-setup.ts";
import { runLoadInChild } from "./load.ts";
import { SCENARIOS, requestFor, startServices } from "./scenarios.ts";

const args = process.argv.slice(2);
const get = (n: string) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = Number(get("seconds") ?? 3);
const only = get("only");
const streamFlags = args.includes("--no-stream") ? [false] : args.includes("--both") ? [false, true] : [true];
const svc = await startServices({ gateway: false });
const setup = setupGateway({ upstreamUrl: svc.upstream.url, prefer: (process.env.AB_PREFER as "binary" | "source") ?? "source" });
try {
  const gw = await svc.group.start("gateway", setup.startArgs, { env: setup.env });
  const ep = { ...svc.endpoints, gateway: gw.url, gatewayKey: setup.key };
  for (const stream of streamFlags) {
    const limit: Record<string, number> = {};
    for (const s of SCENARIOS.filter((x) => x.kind === "limit")) {
      const r = await runLoadInChild({ ...requestFor(s, stream, ep), connections: 64, durationMs: seconds * 1000, warmupMs: 500 });
      limit[s.upstream] = r.rps;
    }
    for (const s of SCENARIOS.filter((x) => (x.kind === "passthrough" || x.kind === "conversion") && (!only || x.id.includes(only)))) {
      const r = await runLoadInChild({ ...requestFor(s, stream, ep), connections: 64, durationMs: seconds * 1000, warmupMs: 500 });
      console.log(`${s.id}${stream ? " stream" : ""}: ${Math.round(r.rps)} req/s = ${(r.rps / limit[s.upstream]!).toFixed(3)} x limit (${Math.round(limit[s.upstream]!)}), errors ${r.errors + r.non2xx}`);
    }
  }
  await gw.stop();
} finally {
  await svc.group.stopAll();
  process.exit(0);
}
