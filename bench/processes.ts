/**
 * Child processes of a bench run (fake upstream, limit proxy, gateway): started, their address read from stdout,
 * their output drained, and all of them stopped however the run ends (finally, SIGINT, SIGTERM).
 */
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";

export interface Service {
  name: string;
  url: string;
  pid: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Last few KB of stderr, for error messages. */
  stderrTail(): string;
  stop(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/[^\s"]+)/;

/** Reads stdout until a `listening on URL` line, then keeps draining it so the child never blocks on a full pipe. */
export async function waitForListening(stdout: ReadableStream<Uint8Array>, onExit: () => string): Promise<string> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`exited before listening: ${text.slice(-500)}${onExit()}`);
    text += decoder.decode(value, { stream: true });
    const m = LISTENING.exec(text);
    if (m) {
      void (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      return m[1]!;
    }
  }
}

/** Owns every process a run starts. */
export class ProcessGroup {
  private readonly services = new Set<Service>();
  private readonly onSignal = () => {
    void this.stopAll().finally(() => process.exit(130));
  };

  /** Stop children on Ctrl-C / SIGTERM of the bench itself. */
  trapSignals(): this {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    return this;
  }

  async start(name: string, cmd: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Service> {
    const proc = Bun.spawn(cmd, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    let errTail = "";
    void (async () => {
      const dec = new TextDecoder();
      for await (const chunk of proc.stderr) errTail = (errTail + dec.decode(chunk, { stream: true })).slice(-4000);
    })().catch(() => {});
    const service: Service = {
      name,
      url: "",
      pid: proc.pid,
      proc,
      stderrTail: () => errTail,
      stop: async () => {
        this.services.delete(service);
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
        await proc.exited;
        clearTimeout(timer);
      },
    };
    this.services.add(service);
    try {
      service.url = await waitForListening(proc.stdout, () => `\n${name} stderr: ${errTail.slice(-1500)}`);
    } catch (e) {
      await service.stop();
      throw new Error(`${name}: ${(e as Error).message}`);
    }
    return service;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.services].map((s) => s.stop()));
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }
}

/** Resident set size of a process in bytes (Linux /proc/<pid>/status VmRSS); undefined elsewhere. */
export function readRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const bunPath = process.execPath;
export const benchDir = import.meta.dir;
export const repoDir = `${import.meta.dir}/..`;
