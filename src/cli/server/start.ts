import { availableParallelism } from "node:os";
import { Command, Option } from "clipanion";
import type { ConfigStore } from "../../config/store.ts";
import { redisUrlFrom } from "../../config/state-settings.ts";
import { createEventBus } from "../../cluster/event-bus.ts";
import { openRedisCluster, type SharedSetup } from "../../cluster/shared-setup.ts";
import { selfCommand } from "../../process/relaunch.ts";
import { superviseWorkers } from "../../process/supervisor.ts";
import { createWorkerBackend, processChannel } from "../../process/worker-backend.ts";
import { assertSecretsOpen, runtimeConfig } from "../../runtime/runtime-config.ts";
import { startServer } from "../../runtime/start-server.ts";
import { createLogger, type LogSink } from "../../server/logger.ts";
import { createMemoryBackend } from "../../state/memory-backend.ts";
import { VERSION } from "../../version.ts";
import { BaseCommand, type OutputStream } from "../base-command.ts";

/** A worker waits this long for its supervisor's answer (one process on the same machine; it may be busy). */
const WORKER_IPC_TIMEOUT_MS = 1000;

export class ServerStartCommand extends BaseCommand {
  static override paths = [["server", "start"]];
  static override usage = Command.Usage({
    category: "Server",
    description: "Run the gateway in the foreground",
    details:
      "Listens on server.host:server.port from the configuration (or --host/--port; --port 0 picks a free port) and prints the address. " +
      "SIGINT/SIGTERM stop accepting new connections, let requests and streams in flight finish within server.shutdown_grace seconds, and exit 0. " +
      "--workers N (or auto: one per core) serves with N processes on the one port (Linux), supervised: a worker that dies is restarted, " +
      "a stop signal drains them all. With state.redis_url (or LLM_GATEWAY_REDIS_URL) the limits, health, sessions, OAuth refreshes and the " +
      "configuration are shared with every other gateway on that Redis (README: Running several instances).",
    examples: [
      ["Start on the configured address", "llm-gateway server start"],
      ["Start on a free local port", "llm-gateway server start --host 127.0.0.1 --port 0"],
      ["One worker per core", "llm-gateway server start --workers auto"],
    ],
  });

  host = Option.String("--host", { description: "Address to bind (default: server.host)" });
  port = Option.String("--port", { description: "Port (default: server.port; 0 = any free port)" });
  workers = Option.String("--workers", { description: "Processes serving the port: a number, or auto (one per core); Linux only above 1" });
  /** Set by the supervisor on the workers it starts: this process is worker N. */
  worker = Option.String("--worker", { hidden: true });

  async run() {
    const port = this.parseInteger("--port", this.port, 0);
    if (port !== undefined && port > 65535) this.usageError(`--port must be at most 65535, got ${port}`);
    const workerIndex = this.parseInteger("--worker", this.worker, 0);
    const workers = this.worker === undefined ? this.workerCount() : undefined;
    const store = this.store();
    const config = store.load();
    // Fail now, not on the first request, when the master key cannot open the stored secrets.
    assertSecretsOpen(store, config);
    const redisUrl = redisUrlFrom(runtimeConfig(store, config), this.context.env);

    // Everything the server says, its address and its stop included, is a line of its log (JSON by default). Workers
    // share one stdout: their lines are written whole (see pipeSafeSink).
    const stdout = this.context.stdout;
    const sink: LogSink = workerIndex !== undefined ? pipeSafeSink(stdout) : { write: (t) => stdout.write(t) };
    const log = createLogger({ level: config.logging.level, format: config.logging.format, sink });

    if (workers !== undefined) return this.supervise(workers, store, port ?? config.server.port, config.server.host, redisUrl !== undefined, log);

    let shared: SharedSetup | undefined;
    if (redisUrl) {
      shared = await openRedisCluster({ url: redisUrl, config, store, log });
    } else if (workerIndex !== undefined) {
      const backend = createWorkerBackend(processChannel(), { timeoutMs: WORKER_IPC_TIMEOUT_MS });
      shared = { backend, bus: createEventBus(backend) };
    }
    const server = startServer({
      store,
      host: this.host,
      port,
      version: VERSION,
      logSink: sink,
      log,
      shared,
      reusePort: workerIndex !== undefined,
      workerIndex,
    });
    if (workerIndex !== undefined) process.send?.({ t: "ready", url: server.url, pid: process.pid });

    const signal = await stopRequest(workerIndex !== undefined);
    await server.shutdown(graceSeconds(store, config.server.shutdown_grace) * 1000, signal);
    // The IPC channel would keep a worker's process alive after its server stopped.
    if (workerIndex !== undefined && process.connected) process.disconnect?.();
    return 0;
  }

  /** --workers: N, or `auto` for one per core. */
  private workerCount(): number | undefined {
    if (this.workers === undefined) return undefined;
    const n = this.workers.trim() === "auto" ? availableParallelism() : this.parseInteger("--workers", this.workers, 1)!;
    if (n > 1 && process.platform !== "linux") {
      this.usageError(`--workers above 1 needs Linux (SO_REUSEPORT spreads connections over the workers there); this is ${process.platform}`);
    }
    if (n > 256) this.usageError(`--workers must be at most 256, got ${n}`);
    return n;
  }

  /** The supervisor: no server of its own; N workers on one port, restarted when they die, drained on a stop signal. */
  private async supervise(workers: number, store: ConfigStore, configuredPort: number, configuredHost: string, redis: boolean, log: ReturnType<typeof createLogger>) {
    const host = this.host ?? configuredHost;
    // Every worker must bind the same port: a free one is picked here for --port 0.
    const port = configuredPort === 0 ? freePort(host) : configuredPort;
    const grace = graceSeconds(store, 30);
    const supervisor = superviseWorkers({
      workers,
      command: (i) => [...selfCommand(), "server", "start", "--worker", String(i), "--host", host, "--port", String(port), "--config", store.path],
      env: this.context.env,
      log,
      // Without Redis the workers share their state through this process.
      backend: redis ? undefined : createMemoryBackend(),
      stopGraceMs: grace * 1000 + 5000,
    });
    const shownHost = host.includes(":") ? `[${host}]` : host;
    const url = `http://${shownHost}:${port}`;
    const stop = stopRequest(false);
    const started = await Promise.race([supervisor.ready.then(() => true, (e: Error) => e), stop.then(() => false)]);
    if (started instanceof Error) {
      log.lifecycle(`not started: ${started.message}`, { url });
      await supervisor.stop("SIGTERM");
      return 1;
    }
    if (started) log.lifecycle(`listening on ${url}`, { url, version: VERSION, config: store.path, workers, shared_state: redis ? "redis" : "workers" });
    const signal = await stop;
    log.lifecycle("stopping: workers finishing requests in flight", { signal, workers });
    await supervisor.stop(signal);
    log.lifecycle("stopped", { workers });
    return 0;
  }
}

/**
 * The first SIGINT or SIGTERM (later ones are ignored while draining: a terminal's Ctrl-C reaches both this process and
 * a relaunching parent that forwards it). A worker also stops when its supervisor is gone (killed): it would otherwise
 * serve on with nobody to stop it.
 */
function stopRequest(worker: boolean): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    let received = false;
    const on = (s: NodeJS.Signals) => {
      if (received) return;
      received = true;
      resolve(s);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
    if (worker) process.on("disconnect", () => on("SIGTERM"));
  });
}

/** A port free on `host` now (bound and released), for workers that must all bind the same one. */
function freePort(host: string): number {
  const s = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/**
 * Log text written in pieces of whole lines no larger than PIPE_BUF (4096 bytes): a write that size to a pipe is
 * atomic, so the lines of workers sharing one stdout never interleave mid-line.
 */
function pipeSafeSink(out: OutputStream): LogSink {
  return {
    write(text) {
      if (text.length <= 1024) return void out.write(text);
      let chunk = "";
      let bytes = 0;
      for (let start = 0; start < text.length; ) {
        const nl = text.indexOf("\n", start);
        const end = nl === -1 ? text.length : nl + 1;
        const line = text.slice(start, end);
        const size = Buffer.byteLength(line);
        if (chunk && bytes + size > 4096) {
          out.write(chunk);
          chunk = "";
          bytes = 0;
        }
        chunk += line;
        bytes += size;
        start = end;
      }
      if (chunk) out.write(chunk);
    },
  };
}

/** The grace period as the file says now (it may have changed since the start); the start's when it cannot be read. */
function graceSeconds(store: ConfigStore, atStart: number): number {
  try {
    return store.read().server.shutdown_grace;
  } catch {
    return atStart;
  }
}
