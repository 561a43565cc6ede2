import type { Logger, LogLevel } from "../../../server/logger.ts";

/** A logger that keeps its lines for the test to look at. */
export function recordingLogger() {
  const lines: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    log: (level, msg, fields) => void lines.push({ level, msg, fields }),
    lifecycle: (msg, fields) => void lines.push({ level: "info", msg, fields }),
    setLevel() {},
    flush() {},
  };
  return { logger, lines };
}
