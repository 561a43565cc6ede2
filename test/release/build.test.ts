import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStamp, RELEASE_TARGETS, releaseFileName, sha256Sums } from "../../build.ts";

const dir = mkdtempSync(join(tmpdir(), "lgw-release-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = join(import.meta.dir, "..", "..");

test("release targets: every common server and desktop, one file name each", () => {
  expect(RELEASE_TARGETS.map((t) => t.name).sort()).toEqual(
    ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-arm64-musl", "linux-x64", "linux-x64-musl", "windows-x64"],
  );
  for (const t of RELEASE_TARGETS) {
    const [os, arch] = t.name.split("-");
    // Bun's target names the same platform; a Linux target names its libc the way the file name does.
    expect(t.bun.startsWith(`bun-${os}-${arch}`)).toBe(true);
    expect(t.bun.endsWith("-musl")).toBe(t.name.endsWith("-musl"));
    expect(Boolean(t.exe)).toBe(os === "windows");
  }
  // Linux x64 runs on CPUs without AVX2 (older servers, virtual machines that hide it).
  expect(RELEASE_TARGETS.filter((t) => t.name.startsWith("linux-x64")).every((t) => t.bun.includes("-baseline"))).toBe(true);
  expect(releaseFileName("1.2.3", RELEASE_TARGETS.find((t) => t.name === "linux-arm64")!)).toBe("llm-gateway-1.2.3-linux-arm64");
  expect(releaseFileName("1.2.3", RELEASE_TARGETS.find((t) => t.name === "windows-x64")!)).toBe("llm-gateway-1.2.3-windows-x64.exe");
});

test("SHA256SUMS is in the format sha256sum -c checks", () => {
  const a = join(dir, "llm-gateway-1.2.3-linux-x64");
  const b = join(dir, "llm-gateway-1.2.3-windows-x64.exe");
  writeFileSync(a, "a binary");
  writeFileSync(b, "another");
  const sums = sha256Sums([a, b]);
  const hash = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");
  expect(sums).toBe(`${hash("a binary")}  llm-gateway-1.2.3-linux-x64\n${hash("another")}  llm-gateway-1.2.3-windows-x64.exe\n`);
  writeFileSync(join(dir, "SHA256SUMS"), sums);
  const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  expect(check.stdout.toString()).toBe("llm-gateway-1.2.3-linux-x64: OK\nllm-gateway-1.2.3-windows-x64.exe: OK\n");
  expect(check.exitCode).toBe(0);
});

test("the build stamp: the checkout's commit, or the one given, or unknown; SOURCE_DATE_EPOCH fixes the time", () => {
  const head = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: root, stdout: "pipe" }).stdout.toString().trim();
  expect(buildStamp(root, undefined, {}).commit).toMatch(new RegExp(`^${head}(-dirty)?$`));
  expect(buildStamp(root, "abc123", {}).commit).toBe("abc123");
  expect(buildStamp(dir, undefined, {}).commit).toBe("unknown"); // not a git checkout
  expect(buildStamp(dir, undefined, { SOURCE_DATE_EPOCH: "1700000000" }).time).toBe("2023-11-14T22:13:20Z");
  expect(buildStamp(dir, undefined, {}).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});
