import { dlopen, FFIType, ptr } from "bun:ffi";
import { totalmem } from "node:os";

/**
 * Settings Bun reads only when a process starts, chosen for a long-running gateway. `server start` relaunches itself
 * once with them when the environment has not set them already (a variable that is set is left alone): by execve(2),
 * so the server keeps its pid and no second process holds memory (a waiting parent cost ~36 MB of RSS); where
 * execve cannot be called, a child process is started and the parent waits, forwarding stop signals.
 *
 * - BUN_CONFIG_MAX_HTTP_REQUESTS: Bun's fetch runs at most this many requests at once (256 by default); a gateway
 *   holding long LLM streams would silently queue the 257th upstream call behind the others.
 * - BUN_JSC_forceRAMSize: the RAM (bytes) JavaScriptCore sizes its heap growth against. Sized for a 24 GB machine,
 *   the gateway's RSS climbed from ~64 MB to 130-150 MB over 100,000 requests and kept creeping, with a live JS heap
 *   of ~10-30 MB; sized for 1 GB it stays ~25 MB lower and flat, at no measured CPU cost (bench/README.md). 256 MB
 *   cost 5-10% more CPU per stream in garbage collection.
 */
export const RELAUNCH_DEFAULTS: Readonly<Record<string, string>> = {
  BUN_CONFIG_MAX_HTTP_REQUESTS: "4096",
  BUN_JSC_forceRAMSize: String(Math.min(totalmem(), 1024 ** 3)),
};

/**
 * How this program starts itself: the binary, or run from source Bun and the entry script (a compiled binary's main
 * module lives in Bun's virtual /$bunfs). The relaunch uses it, and the supervisor of `server start --workers` to
 * start its workers (which inherit the relaunched environment, so they are not relaunched again).
 */
export function selfCommand(): string[] {
  return Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
}

export function needsRelaunch(argv: string[], env: Record<string, string | undefined>): boolean {
  if (argv[0] !== "server" || argv[1] !== "start" || argv.includes("--help") || argv.includes("-h")) return false;
  return Object.keys(RELAUNCH_DEFAULTS).some((k) => !env[k]);
}

/** The environment the serving process runs with: `env`, plus each default it does not set. */
export function serverProcessEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const [k, v] of Object.entries(RELAUNCH_DEFAULTS)) if (!out[k]) out[k] = v;
  return out;
}

/**
 * Runs `argv` again with `serverProcessEnv(processEnv)`; `processEnv` is the CLI entry's own environment. Resolves to
 * the server's exit code, or to undefined when the binary cannot start itself at all (seen under a CPU emulator
 * without a registered binfmt handler): the caller then serves in this process, without the start-time settings,
 * after one warning line, rather than exiting with nothing said.
 */
export async function relaunchServer(argv: string[], processEnv: Record<string, string | undefined>): Promise<number | undefined> {
  const self = selfCommand();
  const env = serverProcessEnv(processEnv);
  replaceProcess([...self, ...argv], env); // returns only when it could not
  const cannotStart = (why: string) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: "warn", msg: `could not relaunch with the start-time settings (${why}); serving without them`, settings: Object.keys(RELAUNCH_DEFAULTS) })}\n`,
    );
    return undefined;
  };
  let child: Bun.Subprocess<"inherit", "inherit", "inherit">;
  try {
    child = Bun.spawn([...self, ...argv], { env, stdio: ["inherit", "inherit", "inherit"] });
  } catch (e) {
    return cannotStart(e instanceof Error ? e.message : String(e));
  }
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, forward(s));
  const code = await child.exited;
  // 127 is the shell's and posix_spawn's "could not execute"; the gateway itself exits 0, 1 or 2 only.
  if (code === 127 && !child.signalCode) {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeAllListeners(s);
    return cannotStart("the binary could not execute itself (exit 127)");
  }
  return child.signalCode ? 1 : code;
}

const LIBC: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"],
  darwin: ["libSystem.B.dylib"],
};

/** execve(2) through libc: the process image is replaced and this never returns, unless libc or execve failed. */
function replaceProcess(command: string[], env: Record<string, string | undefined>): void {
  for (const name of LIBC[process.platform] ?? []) {
    let libc;
    try {
      libc = dlopen(name, { execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
    } catch {
      continue;
    }
    const strings: Buffer[] = []; // referenced until the call, so nothing is collected under execve
    const cString = (s: string) => {
      const b = Buffer.from(`${s}\0`);
      strings.push(b);
      return b;
    };
    const pointers = (items: string[]) => {
      const a = new BigUint64Array(items.length + 1); // NULL-terminated
      items.forEach((item, i) => (a[i] = BigInt(ptr(cString(item)))));
      return a;
    };
    const argv = pointers(command);
    const envp = pointers(Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])));
    libc.symbols.execve(ptr(cString(command[0]!)), ptr(argv), ptr(envp));
    libc.close(); // execve returned: it failed (the caller falls back to a child process)
    return;
  }
}
