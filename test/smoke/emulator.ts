import { existsSync, openSync, readFileSync, readSync, closeSync } from "node:fs";

/** How the smoke test runs a binary on this machine. */
export interface Runner {
  /** The words before the CLI's own arguments: `[binary]`, or `[qemu-aarch64-static, binary]`. */
  command: string[];
  /** Added to the binary's environment (the emulator's library prefix). */
  env: Record<string, string>;
  /**
   * Whether the binary can re-execute itself (`server start` relaunches with its start-time settings). Run through
   * the emulator by hand, it cannot: the kernel does not know how to run an arm64 file, only the emulator does.
   */
  canRelaunch: boolean;
  /** One line for the log: how it is run. */
  how: string;
}

const ELF_MACHINES: Record<number, string> = { 62: "x64", 183: "arm64" };

/** The CPU an ELF file is built for (`x64`, `arm64`), or undefined for anything else (a script, a Mach-O file…). */
export function elfArch(file: string): string | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined; // "\x7fELF"
  return ELF_MACHINES[header.readUInt16LE(18)];
}

/** Where Debian's libc6-arm64-cross puts the arm64 glibc (the binary's loader and libraries). */
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

/**
 * Runs `binary` directly when this machine can (same CPU, or the kernel hands arm64 files to QEMU through
 * binfmt_misc); otherwise through QEMU's user-mode emulator (Debian: qemu-user-static), with the arm64 glibc from
 * libc6-arm64-cross unless the machine has its own (multiarch). Throws, saying what to install, when it cannot.
 */
export function runnerFor(binary: string, hostArch: string = process.arch): Runner {
  const arch = elfArch(binary);
  if (arch === undefined || arch === hostArch) return { command: [binary], env: {}, canRelaunch: true, how: "run directly" };
  if (arch !== "arm64") throw new Error(`${binary} is built for ${arch}: this machine (${hostArch}) has no emulator set up for it`);

  const env: Record<string, string> = {};
  if (!existsSync("/lib/ld-linux-aarch64.so.1")) {
    if (!existsSync(`${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`)) throw new Error("no arm64 glibc here: install libc6-arm64-cross (Debian)");
    env.QEMU_LD_PREFIX = ARM64_SYSROOT;
  }
  if (binfmtRegistered("qemu-aarch64")) return { command: [binary], env, canRelaunch: true, how: "arm64 through binfmt_misc (QEMU)" };
  const qemu = Bun.which("qemu-aarch64-static") ?? Bun.which("qemu-aarch64");
  if (!qemu) throw new Error("no arm64 emulator here: install qemu-user-static (Debian)");
  return { command: [qemu, binary], env, canRelaunch: false, how: `arm64 under ${qemu}` };
}

function binfmtRegistered(name: string): boolean {
  try {
    return readFileSync(`/proc/sys/fs/binfmt_misc/${name}`, "utf8").startsWith("enabled");
  } catch {
    return false;
  }
}
