/**
 * Compiles the gateway into self-contained binaries with `bun build --compile` (minified, bytecode), each stamped
 * with its version (package.json), git commit, build time and target (src/version.ts).
 *
 *   bun run build [--target=bun-linux-arm64] [--outfile=PATH]   one binary, dist/llm-gateway for this machine
 *   bun run build --release [--only=linux-arm64,…] [--outdir=DIR] every release binary and SHA256SUMS, dist/release/
 *   --commit=SHA   the commit to stamp where there is no git checkout (a container build); default: git rev-parse
 *
 * Release binaries are cross-compiled: Bun fetches each target's runtime once from the npm registry and caches it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import pkg from "./package.json";

export interface ReleaseTarget {
  /** `<os>-<arch>` (with `-musl` for musl libc): the part of the file name after the version. */
  name: string;
  /** Bun's compile target. */
  bun: string;
  exe?: boolean;
}

/**
 * Every release binary. Linux x64 uses Bun's baseline build (x86-64 from 2008 on, no AVX2 needed): the modern one
 * stops with "illegal instruction" on older servers and on virtual machines whose CPU model hides AVX2 (common
 * hypervisor defaults), and a server binary has to start wherever it is dropped. The default (AVX2) builds are kept
 * for macOS and Windows, desktops where such CPUs are rare.
 */
export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { name: "linux-x64", bun: "bun-linux-x64-baseline" },
  { name: "linux-x64-musl", bun: "bun-linux-x64-baseline-musl" },
  { name: "linux-arm64", bun: "bun-linux-arm64" },
  { name: "linux-arm64-musl", bun: "bun-linux-arm64-musl" },
  { name: "darwin-x64", bun: "bun-darwin-x64" },
  { name: "darwin-arm64", bun: "bun-darwin-arm64" },
  { name: "windows-x64", bun: "bun-windows-x64", exe: true },
];

/** `llm-gateway-0.1.0-linux-arm64`, `llm-gateway-0.1.0-windows-x64.exe`. */
export const releaseFileName = (version: string, t: ReleaseTarget) => `llm-gateway-${version}-${t.name}${t.exe ? ".exe" : ""}`;

/** The SHA256SUMS text for files, in the format `sha256sum -c` (and `shasum -a 256 -c`) checks: hash, two spaces, name. */
export function sha256Sums(files: string[]): string {
  return files.map((f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${basename(f)}\n`).join("");
}

export interface Stamp {
  commit: string;
  time: string;
}

/** The commit (with `-dirty` when tracked files changed) and the build time; SOURCE_DATE_EPOCH for repeatable builds. */
export function buildStamp(cwd: string, commitArg: string | undefined, env: Record<string, string | undefined>): Stamp {
  const epoch = env.SOURCE_DATE_EPOCH;
  const time = (epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  return { commit: commitArg || gitCommit(cwd), time };
}

function gitCommit(cwd: string): string {
  const git = (...args: string[]) => {
    try {
      const p = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "ignore" });
      return p.exitCode === 0 ? p.stdout.toString().trim() : undefined;
    } catch {
      return undefined; // no git on this machine
    }
  };
  const sha = git("rev-parse", "HEAD");
  if (!sha || !/^[0-9a-f]{40,64}$/.test(sha)) return "unknown";
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  return dirty ? `${sha}-dirty` : sha;
}

/** What this machine's plain build is for, in Bun's target names (the compiler's default is the running Bun's kind). */
function hostTarget(): string {
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === "linux" && !report?.header?.glibcVersionRuntime;
  return `bun-${process.platform}-${process.arch}${musl ? "-musl" : ""}`;
}

/** Compiles one binary; `target` undefined builds for this machine (no download). Returns false on failure. */
function compile(outfile: string, target: string | undefined, stamp: Stamp, cwd: string): boolean {
  const define = (name: string, value: string) => ["--define", `${name}=${JSON.stringify(value)}`];
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
    ...define("LLM_GATEWAY_BUILD_COMMIT", stamp.commit),
    ...define("LLM_GATEWAY_BUILD_TIME", stamp.time),
    ...define("LLM_GATEWAY_BUILD_TARGET", target ?? hostTarget()),
    "--outfile",
    outfile,
    ...(target ? ["--target", target] : []),
  ];
  return Bun.spawnSync(cmd, { cwd, stdout: "inherit", stderr: "inherit" }).exitCode === 0;
}

function main(argv: string[]): number {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const cwd = import.meta.dir;
  const stamp = buildStamp(cwd, arg("commit"), process.env);

  if (!argv.includes("--release")) {
    const outfile = arg("outfile") ?? "dist/llm-gateway";
    if (!compile(outfile, arg("target"), stamp, cwd)) return 1;
    console.log(`built ${outfile} (llm-gateway ${pkg.version}, commit ${stamp.commit})`);
    return 0;
  }

  const only = arg("only")?.split(",").map((s) => s.trim());
  const unknown = only?.filter((n) => !RELEASE_TARGETS.some((t) => t.name === n)) ?? [];
  if (unknown.length) {
    console.error(`unknown release target ${unknown.join(", ")} (known: ${RELEASE_TARGETS.map((t) => t.name).join(", ")})`);
    return 2;
  }
  const targets = RELEASE_TARGETS.filter((t) => !only || only.includes(t.name));
  const outdir = arg("outdir") ?? "dist/release";
  // SHA256SUMS must list exactly this build's files: an older build's binaries are removed first (only files named
  // like release files, whatever folder --outdir names).
  mkdirSync(join(cwd, outdir), { recursive: true });
  for (const f of readdirSync(join(cwd, outdir))) {
    if (f === "SHA256SUMS" || /^llm-gateway-\d[^/]*-(linux|darwin|windows)-/.test(f)) rmSync(join(cwd, outdir, f), { force: true });
  }
  const files: string[] = [];
  for (const t of targets) {
    const file = join(outdir, releaseFileName(pkg.version, t));
    const started = performance.now();
    if (!compile(file, t.bun, stamp, cwd)) {
      console.error(`release build for ${t.name} (${t.bun}) failed`);
      return 1;
    }
    console.log(`built ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    files.push(join(cwd, file));
  }
  writeFileSync(join(cwd, outdir, "SHA256SUMS"), sha256Sums(files));
  console.log(`wrote ${join(outdir, "SHA256SUMS")} (llm-gateway ${pkg.version}, commit ${stamp.commit}, ${files.length} ${files.length === 1 ? "binary" : "binaries"})`);
  return 0;
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
