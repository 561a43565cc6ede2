/**
 * Gateway processes from the compiled binary for end-to-end tests: `server start` in a folder of its own (its own
 * config file, as on its own machine), its output collected, its address read from its "listening on" line, and the
 * CLI run against the same folder.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Collects a stream's text as it arrives; `until` resolves once the collected text matches. */
export function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of [...waiters]) {
        const m = text.match(w.re);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  })();
  return {
    text: () => text,
    done,
    until: (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const m = text.match(re);
        if (m) resolve(m);
        else waiters.push({ re, resolve });
      }),
  };
}

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  logs(): string;
  /** SIGTERM, and its exit code once it has drained. */
  stop(): Promise<number>;
  exited: Promise<number>;
}

export interface GatewayFolder {
  dir: string;
  config: string;
  env: Record<string, string | undefined>;
  /** Runs the CLI on this folder's config; its exit code and output. */
  cli(...args: string[]): { code: number; stdout: string; stderr: string };
  /** `server start --host 127.0.0.1 --port 0` (plus `args`); resolves once it listens. */
  start(args?: string[]): Promise<GatewayProcess>;
}

/** Waits for a condition, polling (never a fixed sleep); fails with `what` after `limitMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export function gatewayFolder(binary: string, env: Record<string, string | undefined>, prefix = "lgw-proc-"): GatewayFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = join(dir, "config.yaml");
  const fullEnv = { ...process.env, ...env, LLM_GATEWAY_CONFIG: config, HOME: dir };
  return {
    dir,
    config,
    env: fullEnv,
    cli(...args) {
      const p = Bun.spawnSync([binary, ...args], { env: fullEnv, stdout: "pipe", stderr: "pipe" });
      return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
    },
    async start(args = []) {
      const proc = Bun.spawn([binary, "server", "start", "--host", "127.0.0.1", "--port", "0", ...args], { env: fullEnv, stdout: "pipe", stderr: "pipe" });
      const out = collect(proc.stdout);
      const err = collect(proc.stderr);
      const listening = out.until(/"msg":"listening on (http:\/\/[^\s"]+)"/);
      const died = proc.exited.then((code) => {
        throw new Error(`server start exited (${code}) before it listened:\n${out.text()}${err.text()}`);
      });
      died.catch(() => undefined);
      const url = (await Promise.race([listening, died]))[1]!;
      const exited = proc.exited.then(async (code) => {
        await Promise.all([out.done, err.done]);
        return code;
      });
      return {
        url,
        pid: proc.pid,
        logs: () => out.text() + err.text(),
        exited,
        stop() {
          proc.kill("SIGTERM");
          return exited;
        },
      };
    },
  };
}
