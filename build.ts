/**
 * Compiles the gateway into one self-contained binary with `bun build --compile`: dist/llm-gateway, minified,
 * version stamped from package.json (src/version.ts imports it statically, so it is compiled in). `bun run build [--target=bun-linux-arm64] [--outfile=PATH]`.
 */
import pkg from "./package.json";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const outfile = arg("outfile") ?? "dist/llm-gateway";
const target = arg("target");

const cmd = [
  process.execPath,
  "build",
  "./src/main.ts",
  // The usage ledger's database thread (src/usage/ledger/worker-store.ts names it by this path under src/).
  "./src/usage/ledger/store-worker.ts",
  "--compile",
  "--minify",
  "--bytecode",
  // The binary must not pick up a .env or bunfig.toml from whatever folder it is started in.
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  "--outfile",
  outfile,
  ...(target ? ["--target", target] : []),
];
const proc = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log(`built ${outfile} (llm-gateway ${pkg.version})`);
