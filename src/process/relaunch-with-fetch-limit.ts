/**
 * Bun's fetch runs at most BUN_CONFIG_MAX_HTTP_REQUESTS requests at once (256 by default) and reads that setting
 * only when the process starts. A gateway holding long LLM streams would silently queue the 257th upstream call
 * behind the others, so `server start` relaunches itself once with a higher limit when none was chosen. The
 * parent only waits: it forwards stop signals and exits with the child's code.
 */
export const FETCH_LIMIT_VAR = "BUN_CONFIG_MAX_HTTP_REQUESTS";
export const DEFAULT_FETCH_LIMIT = "4096";

export function needsRelaunch(argv: string[], env: Record<string, string | undefined>): boolean {
  return argv[0] === "server" && argv[1] === "start" && !argv.includes("--help") && !argv.includes("-h") && !env[FETCH_LIMIT_VAR];
}

export async function relaunchWithFetchLimit(argv: string[]): Promise<number> {
  // A compiled binary's main module lives in Bun's virtual /$bunfs; run from source, the script path is needed.
  const self = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  const child = Bun.spawn([...self, ...argv], {
    env: { ...process.env, [FETCH_LIMIT_VAR]: DEFAULT_FETCH_LIMIT },
    stdio: ["inherit", "inherit", "inherit"],
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, forward(s));
  const code = await child.exited;
  return child.signalCode ? 1 : code;
}
