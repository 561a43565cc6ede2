/**
 * Structured logger. Lines are buffered and written in batches off the request path: a synchronous write per
 * request to a terminal or pipe would put the gateway's speed at the mercy of whoever reads its output.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /**
   * A line of the process's life (listening, stopping, stopped): written at level info whatever the configured
   * level (a `--port 0` start must say its address), and flushed at once.
   */
  lifecycle(msg: string, fields?: Record<string, unknown>): void;
  setLevel(level: LogLevel, format?: "json" | "pretty"): void;
  flush(): void;
}

export interface LogSink {
  write(text: string): void;
}

export function createLogger(opts: { level: LogLevel; format: "json" | "pretty"; sink: LogSink; clock?: () => number }): Logger {
  let level = RANK[opts.level];
  let format = opts.format;
  const clock = opts.clock ?? Date.now;
  let buffer: string[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (!buffer.length) return;
    const text = buffer.join("");
    buffer = [];
    opts.sink.write(text);
  };

  const render = (lvl: LogLevel, msg: string, fields: Record<string, unknown> | undefined) => {
    const time = isoTime(clock());
    return format === "json"
      ? jsonLine(time, lvl, msg, fields)
      : `${time} ${lvl.toUpperCase().padEnd(5)} ${msg}${fields ? ` ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")}` : ""}`;
  };

  return {
    log(lvl, msg, fields) {
      if (RANK[lvl] < level) return;
      const line = render(lvl, msg, fields);
      buffer.push(line + "\n");
      if (buffer.length >= 256) flush();
      else if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 20).unref?.();
      }
    },
    lifecycle(msg, fields) {
      buffer.push(render("info", msg, fields) + "\n");
      flush();
    },
    setLevel(lvl, fmt) {
      level = RANK[lvl];
      if (fmt) format = fmt;
    },
    flush,
  };
}

/**
 * `{"time":…,"level":…,"msg":…,<fields>}` as JSON.stringify({ time, level, msg, ...fields }) would write it, without
 * building the merged object: this runs once per request (the access log).
 */
function jsonLine(time: string, level: LogLevel, msg: string, fields: Record<string, unknown> | undefined): string {
  if (fields && ("time" in fields || "level" in fields || "msg" in fields)) return JSON.stringify({ time, level, msg, ...fields });
  const head = `{"time":"${time}","level":"${level}","msg":${JSON.stringify(msg)}`;
  const rest = fields ? JSON.stringify(fields) : "{}";
  return rest.length > 2 ? `${head},${rest.slice(1)}` : `${head}}`;
}

/** ISO time of `ms`, formatted once per millisecond (many lines share one under load). */
let lastMs = Number.NaN;
let lastIso = "";
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { log() {}, lifecycle() {}, setLevel() {}, flush() {} };
