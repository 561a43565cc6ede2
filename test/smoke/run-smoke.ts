// CI: bun test/smoke/run-smoke.ts dist/llm-gateway
//     bun test/smoke/run-smoke.ts dist/release/llm-gateway-<version>-linux-arm64 --target=bun-linux-arm64   (under QEMU)
import { runnerFor } from "./emulator.ts";
import { smoke } from "./smoke.ts";

const args = process.argv.slice(2);
const binary = args.find((a) => !a.startsWith("--")) ?? "dist/llm-gateway";
const target = args.find((a) => a.startsWith("--target="))?.slice("--target=".length);
try {
  const runner = runnerFor(binary);
  console.log(`smoke: ${binary}, ${runner.how}`);
  await smoke(runner.command, (line) => console.log(`smoke: ${line}`), { env: runner.env, relaunch: runner.canRelaunch, target });
  console.log("smoke: ok");
} catch (e) {
  console.error(`smoke: FAILED: ${(e as Error).message}`);
  process.exit(1);
}
