import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, chmodSync } from "node:fs";
import { dirname } from "node:path";
import YAML from "yaml";
import { ConfigError } from "../errors.ts";
import { lockPath, masterKeyPath } from "./paths.ts";
import type { Config } from "./schema.ts";
import { sealUrlCredentials } from "./url-credentials.ts";
import { createCipher, holdsSealedValues, loadMasterKey, sealedSalt, type Cipher, type MasterKey } from "./secrets.ts";
import { parseConfig } from "./validate.ts";

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 15_000;

/**
 * The YAML file on disk. Reads validate the whole document; writes go through `update`, which holds a
 * cross-process lock while it re-reads, changes and atomically replaces the file (temp file, fsync, rename),
 * so concurrent CLI processes never lose each other's changes.
 */
export class ConfigStore {
  #cipher?: Cipher;

  constructor(
    readonly path: string,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** Reads the file, creating it with defaults on first use. Throws ConfigError listing every problem. */
  load(): Config {
    if (!existsSync(this.path)) {
      this.withLock(() => {
        if (!existsSync(this.path)) this.write(parseOrThrow({}, this.path));
      });
    }
    return this.read();
  }

  read(): Config {
    return parseText(this.readText(), this.path);
  }

  /** The file's text as it is on disk (what cluster mode shares: sealed values stay sealed). */
  readText(): string {
    try {
      return readFileSync(this.path, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read ${this.path}: ${(e as Error).message}`);
    }
  }

  /**
   * Replaces the file with `text` as it is (a version another gateway instance shared), under the lock and
   * atomically; the text is checked like a read first, so an invalid one never reaches the file.
   */
  replaceText(text: string): Config {
    const config = parseText(text, this.path);
    this.withLock(() => this.writeText(text));
    return config;
  }

  /** Read-modify-write under the lock. The mutator gets a fresh copy; its result is validated before writing. */
  update<T>(mutate: (config: Config) => T): T {
    if (!existsSync(this.path)) this.load();
    return this.withLock(() => {
      const config = this.read();
      const result = mutate(config);
      this.write(parseOrThrow(config, this.path));
      return result;
    });
  }

  /**
   * The master key's cipher, made on first use. New sealed values share the salt the file's values already
   * use; no master key is generated beside a file that holds sealed values.
   */
  get cipher(): Cipher {
    if (!this.#cipher) {
      const text = this.rawText();
      this.#cipher = createCipher(loadMasterKey(this.path, this.env, () => holdsSealedValues(text)), { salt: sealedSalt(text) });
    }
    return this.#cipher;
  }

  private rawText(): string {
    try {
      return readFileSync(this.path, "utf8");
    } catch {
      return "";
    }
  }

  /** The master key when there is one (LLM_GATEWAY_MASTER_KEY, or master.key beside the file); never makes one. */
  existingMasterKey(): MasterKey | undefined {
    if (!this.env.LLM_GATEWAY_MASTER_KEY && !existsSync(masterKeyPath(this.path))) return undefined;
    return loadMasterKey(this.path, this.env);
  }

  /** A cheap fingerprint of the file to notice changes (mtime, size, inode). */
  fingerprint(): string | undefined {
    try {
      const s = statSync(this.path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return undefined;
    }
  }

  /**
   * Calls `onChange` with each new valid configuration; an invalid edit goes to `onError` and the caller keeps the
   * last good one. Polls the file's fingerprint, which survives editors and atomic renames that defeat fs.watch.
   * The returned function stops watching; its `check` looks at once (after a write of this process's own, so that
   * it applies without waiting for the next poll, and only once).
   */
  watch(onChange: (c: Config) => void, onError: (e: Error) => void, intervalMs = 250): (() => void) & { check(): void } {
    let last = this.fingerprint();
    const check = () => {
      const now = this.fingerprint();
      if (now === last || now === undefined) return;
      last = now;
      try {
        onChange(this.read());
      } catch (e) {
        onError(e as Error);
      }
    };
    const timer = setInterval(check, intervalMs);
    timer.unref?.();
    return Object.assign(() => clearInterval(timer), { check });
  }

  private write(config: Config) {
    // A URL with credentials (a proxy, the usage database) is sealed on every write, so one stored in the clear (by
    // hand or by an older version) is encrypted by the next change.
    const sealed = sealUrlCredentials(config, () => this.cipher);
    this.writeText(YAML.stringify(sealed, { lineWidth: 0 }));
  }

  private writeText(text: string) {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    // Make the rename itself durable.
    try {
      const dfd = openSync(dir, "r");
      fsyncSync(dfd);
      closeSync(dfd);
    } catch {
      /* some filesystems refuse fsync on a directory */
    }
  }

  private withLock<T>(fn: () => T): T {
    const file = lockPath(this.path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + LOCK_WAIT_MS;
    let delay = 1;
    for (;;) {
      try {
        const fd = openSync(file, "wx", 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        if (isStale(file)) {
          rmSync(file, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new ConfigError(`timed out waiting for the config lock ${file}`);
        Bun.sleepSync(delay);
        delay = Math.min(delay * 2, 25);
      }
    }
    try {
      return fn();
    } finally {
      rmSync(file, { force: true });
    }
  }
}

function isStale(file: string): boolean {
  try {
    const s = statSync(file);
    if (Date.now() - s.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(readFileSync(file, "utf8"));
    if (pid > 0) {
      try {
        process.kill(pid, 0);
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ESRCH";
      }
    }
    return false;
  } catch {
    return false;
  }
}

/** A configuration file's text read and checked as `read` does (`where` names it in errors). */
export function parseConfigText(text: string, where: string): Config {
  return parseText(text, where);
}

function parseText(text: string, path: string): Config {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid YAML`, [(e as Error).message.split("\n")[0]!]);
  }
  // An emptied file (`echo > config.yaml`, a write cut short) would otherwise load as the defaults: no keys,
  // no accounts. Only a missing file means "start from the defaults".
  if (raw === null || raw === undefined) {
    throw new ConfigError(`${path} is empty (no settings at all); restore it, or delete it to start from the defaults`);
  }
  return parseOrThrow(raw, path);
}

function parseOrThrow(raw: unknown, path: string): Config {
  const r = parseConfig(raw);
  if (!r.ok) throw new ConfigError(`invalid configuration in ${path}:`, r.errors);
  return r.config;
}
