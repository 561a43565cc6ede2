/**
 * A throwaway Redis for tests: Debian's `redis-server` (installed by .ci/run) on 127.0.0.1 and a free port, with no
 * persistence (no RDB snapshots, no AOF) and no config file. `kill()` is kill -9; `start()` brings it back on the
 * same port, empty.
 */
import { spawn, which, type Subprocess } from "bun";

export interface RedisServer {
  url: string;
  port: number;
  /** kill -9, and waits for the process to be gone. */
  kill(): Promise<void>;
  /** Stops it (SIGSTOP): connections stay open and nothing answers, as a hung server. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port (empty: nothing was persisted). */
  start(): Promise<void>;
  /** Runs a command through a short-lived client; returns its reply. */
  command(...args: string[]): Promise<unknown>;
  dispose(): Promise<void>;
}

/** The redis-server binary, or undefined (the caller skips with a reason). */
export const findRedisServer = (): string | undefined => which("redis-server") ?? undefined;

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export async function startRedis(binary = findRedisServer()): Promise<RedisServer> {
  if (!binary) throw new Error("redis-server is not installed");
  const port = await freePort();
  let proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;

  const start = async () => {
    proc = spawn([binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "notice"], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    const decoder = new TextDecoder();
    let log = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`redis-server exited before it was ready:\n${log}`);
      log += decoder.decode(value);
      if (log.includes("Ready to accept connections")) break;
    }
    // Keep draining so the server never blocks on a full pipe.
    void (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    })();
  };

  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    p.kill("SIGKILL");
    await p.exited;
  };

  await start();
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    kill,
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    start,
    async command(...args) {
      const { RedisClient } = await import("bun");
      const c = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false });
      try {
        await c.connect();
        return await c.send(args[0]!, args.slice(1));
      } finally {
        c.close();
      }
    },
    async dispose() {
      if (proc) {
        proc.kill("SIGCONT");
        await kill();
      }
    },
  };
}
