/**
 * A throwaway PostgreSQL server for tests: Debian's binaries (/usr/lib/postgresql/<version>/bin), a fresh cluster in
 * a temp folder, trust login for `postgres` on 127.0.0.1 and a free port, fsync off. PostgreSQL refuses to run as
 * root, so when the tests run as root the server runs as the `postgres` system user (or `nobody`) through setpriv,
 * which execs in place: the pid we hold is the postmaster's own and our signals reach it.
 */
import { spawn, spawnSync, type Subprocess } from "bun";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresServer {
  url: string;
  port: number;
  /** Stops the server (fast shutdown) and waits for it; the data stays for `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Runs SQL through psql as the superuser; returns its output. */
  psql(sqlText: string): string;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

/** The bin folder of the newest installed PostgreSQL, or undefined (the caller skips with a reason). */
export function findPostgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "postgres")) && existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, "bin") : undefined;
}

function runAs(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const r = spawnSync(["id", "-u", name]);
    const g = spawnSync(["id", "-g", name]);
    if (r.exitCode === 0 && g.exitCode === 0) return { uid: Number(r.stdout.toString().trim()), gid: Number(g.stdout.toString().trim()), name };
  }
  throw new Error("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as");
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export async function startPostgres(bin: string): Promise<PostgresServer> {
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), "llm-gateway-pg-"));
  const data = join(dir, "data");
  if (user) chownSync(dir, user.uid, user.gid);
  const as = (cmd: string[]) => (user ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", ...cmd] : cmd);
  const init = spawnSync(as([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]), { cwd: dir });
  if (init.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr.toString()}`);
  }
  const port = await freePort();
  let proc: Subprocess<"ignore", "ignore", "pipe"> | undefined;

  const start = async () => {
    proc = spawn(
      as([join(bin, "postgres"), "-D", data, "-k", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"]),
      { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "pipe" },
    );
    // Ready when the server says so; its log goes nowhere else.
    const reader = proc.stderr.getReader();
    const decoder = new TextDecoder();
    let log = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`postgres exited before it was ready:\n${log}`);
      log += decoder.decode(value);
      if (log.includes("ready to accept connections")) break;
    }
    // Keep draining so the server never blocks on a full pipe.
    void (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    })();
  };

  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    p.kill("SIGINT");
    await p.exited;
  };

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    psql(sqlText) {
      const r = spawnSync([join(bin, "psql"), "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atc", sqlText]);
      if (r.exitCode !== 0) throw new Error(`psql failed: ${r.stderr.toString()}`);
      return r.stdout.toString();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
