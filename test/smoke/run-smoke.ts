// CI: bun test/smoke/run-smoke.ts dist/llm-gateway
import { smoke } from "./smoke.ts";

const binary = process.argv[2] ?? "dist/llm-gateway";
try {
  await smoke([binary], (line) => console.log(`smoke: ${line}`));
  console.log("smoke: ok");
} catch (e) {
  console.error(`smoke: FAILED: ${(e as Error).message}`);
  process.exit(1);
}
