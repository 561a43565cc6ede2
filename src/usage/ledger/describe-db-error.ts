/**
 * A database failure in a few words for `status`, `/health` and the one log line: what an operator should look
 * at (locked, full, read-only, unreachable), with the driver's code. Never the connection URL or its password.
 */
export function describeDbError(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const errno = typeof e.errno === "string" ? e.errno : "";
  const message = typeof e.message === "string" ? firstLine(e.message) : String(err);
  const tag = code ? ` (${code}${errno && errno !== code ? ` ${errno}` : ""})` : "";

  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return `database locked${tag}`;
  if (code.startsWith("SQLITE_FULL")) return `database or disk full${tag}`;
  if (code.startsWith("SQLITE_READONLY")) return `database is read-only${tag}`;
  if (code.startsWith("SQLITE_IOERR")) return `disk I/O error: the file may be read-only, removed or on a failing disk${tag}`;
  if (code.startsWith("SQLITE_CANTOPEN")) return `cannot open the database file${tag}`;
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) return `database file is damaged${tag}`;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `database file is not writable${tag}`;
  if (code === "ENOTDIR" || code === "ENOENT") return `cannot create the database file or its folder${tag}`;
  if (/^ERR_POSTGRES_(CONNECTION_(REFUSED|CLOSED|TIMEOUT|FAILED)|TLS)/.test(code)) return `database unreachable${tag}`;
  if (errno === "25006") return `database is read-only${tag}`;
  if (errno === "53100") return `database disk full${tag}`;
  if (errno.startsWith("57P")) return `database shutting down or restarting${tag}`;
  if (errno.startsWith("28")) return `database refused the login${tag}`;
  return `${redact(message).slice(0, 200)}${tag}`;
}

/**
 * The database refused the data rather than the write: a constraint, a type, a size. Retrying the same batch would
 * fail the same way, so the writer writes such a batch row by row and drops only the rows refused.
 */
export function isDataError(err: unknown): boolean {
  const e = (err ?? {}) as { code?: unknown; errno?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  if (/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code)) return true;
  return typeof e.errno === "string" && /^2[23]/.test(e.errno);
}

const firstLine = (s: string) => s.split("\n", 1)[0]!;

/** `postgres://user:secret@host` → `postgres://user:***@host`, wherever a driver quotes a URL. */
export function redact(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");
}
