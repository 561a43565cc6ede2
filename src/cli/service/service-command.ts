import { Option } from "clipanion";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { BaseCommand } from "../base-command.ts";
import { servicePaths, type ServiceScope } from "./systemd-unit.ts";

/**
 * What `service install` and `service uninstall` share: system or user scope, and the filesystem root every path
 * is taken under (`/`; tests and packagers give another with the hidden `--root DIR`, so nothing touches the real
 * /etc). Neither command runs systemctl: they write or remove files and print what to run.
 */
export abstract class ServiceCommand extends BaseCommand {
  user = Option.Boolean("--user", false, { description: "A user service (~/.config/systemd/user) instead of a system one" });
  root = Option.String("--root", { hidden: true, description: "Filesystem root the files are written under (tests, packaging)" });

  get scope(): ServiceScope {
    return this.user ? "user" : "system";
  }

  /** The real-system paths of the files (what the printed commands name). */
  servicePaths() {
    const env = this.context.env;
    return servicePaths(this.scope, { home: env.HOME || homedir(), xdgConfigHome: env.XDG_CONFIG_HOME });
  }

  /** Where a real-system path is on the filesystem this command writes to. */
  onRoot(path: string): string {
    return this.root ? join(resolve(this.root), path) : path;
  }

  /** `systemctl` or `systemctl --user`. */
  get systemctl(): string {
    return this.user ? "systemctl --user" : "systemctl";
  }

  readIfExists(path: string): string | undefined {
    const file = this.onRoot(path);
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  }

  /** Writes a whole file at once (temp file, rename), mode 0644 as systemd expects of unit files. */
  writeFile(path: string, text: string): void {
    const file = this.onRoot(path);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(tmp, text, { mode: 0o644 });
      renameSync(tmp, file);
    } catch (e) {
      this.failedOn(path, e);
    }
  }

  /** Removes a file or link; a missing one is no error. */
  removeFile(path: string): void {
    try {
      rmSync(this.onRoot(path), { force: true });
    } catch (e) {
      this.failedOn(path, e);
    }
  }

  private failedOn(path: string, e: unknown): never {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === "EACCES" || code === "EPERM") && !this.user) {
      throw new Error(`cannot write ${path}: a system service needs root (sudo), or use --user for a user service`);
    }
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}
