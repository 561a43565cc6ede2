// The Dockerfile, .dockerignore and compose.yaml, checked statically: no container engine runs where these tests
// run. The build stage's own commands are run once, outside a container, on a copy of exactly what the Dockerfile
// copies from the build context, so a file the build needs but the context leaves out fails here.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative } from "node:path";
import YAML from "yaml";
import { imageRef, parseDockerfile, type Instruction, type Stage } from "./parse-dockerfile.ts";

const root = join(import.meta.dir, "..", "..");
const stages = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8"));
const final = stages.at(-1)!;
const build = stages[0]!;
const compose = YAML.parse(readFileSync(join(root, "compose.yaml"), "utf8"));
const ignore = readFileSync(join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string): Instruction | undefined => all(stage, keyword).at(-1);

/** Whether the build context leaves `path` out: a pattern matches it or a folder above it (Docker's rule). */
function ignored(path: string): boolean {
  const parts = path.split("/");
  return parts.some((_, i) => {
    const prefix = parts.slice(0, i + 1).join("/");
    return ignore.some((p) => new Bun.Glob(p).match(prefix));
  });
}

/** The final stage's ENV settings. */
function env(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of all(stage, "ENV")) for (const a of i.args) if (a.includes("=")) out[a.slice(0, a.indexOf("="))] = a.slice(a.indexOf("=") + 1);
  return out;
}

const BINARY = "/usr/local/bin/llm-gateway";

describe("Dockerfile", () => {
  test("two stages: the build in Bun's image at an exact version, the run stage on a base with a tag", () => {
    expect(stages).toHaveLength(2);
    const names = new Set(stages.map((s) => s.name).filter(Boolean));
    for (const s of stages) {
      if (names.has(s.from)) continue;
      const ref = imageRef(s.from);
      // A base image is named by a tag (never latest) or a digest.
      expect([s.from, ref.tag ?? ref.digest]).toEqual([s.from, expect.any(String)]);
      expect([s.from, ref.tag]).not.toEqual([s.from, "latest"]);
    }
    // The compiler is part of the product: one exact Bun version, not a moving tag.
    expect(imageRef(build.from).name).toBe("oven/bun");
    expect(imageRef(build.from).tag).toMatch(/^\d+\.\d+\.\d+$/);
    expect(build.name).toBe("build");
    // The run stage's base has glibc (the release's glibc build); nothing is run in it (it has no shell).
    expect(final.from).toMatch(/^gcr\.io\/distroless\/cc-debian\d+:/);
    expect(all(final, "RUN")).toEqual([]);
  });

  test("the build stage installs from the lockfile and builds with build.ts, stamping the commit it is given", () => {
    const runs = all(build, "RUN").map((i) => i.raw);
    expect(runs.some((r) => /^bun install --frozen-lockfile\b/.test(r))).toBe(true);
    expect(runs.some((r) => /^bun run build\.ts --commit="\$\{COMMIT\}" --outfile=\/out\/llm-gateway\b/.test(r))).toBe(true);
    expect(all(build, "ARG").map((i) => i.args[0])).toContain("COMMIT=unknown");
  });

  test("no ADD of remote URLs (nothing is fetched by the build but the lockfile's packages)", () => {
    for (const s of stages) {
      for (const i of all(s, "ADD")) {
        for (const src of i.args.slice(0, -1)) expect([i.line, src]).not.toEqual([i.line, expect.stringMatching(/^(https?|git|ssh):|^git@|\.git$/)]);
      }
    }
  });

  test("runs as a non-root user, with the binary as entrypoint, port 3847, the config in a volume", () => {
    const user = last(final, "USER");
    expect(user).toBeDefined();
    const [uid, gid] = user!.args[0]!.split(":");
    for (const id of [uid, gid]) expect(["0", "root", ""]).not.toContain(id ?? "x");
    // The user comes after everything that needs root (COPY --chown is done as root by the builder).
    expect(final.instructions.indexOf(user!)).toBeGreaterThan(Math.max(...all(final, "COPY").map((c) => final.instructions.indexOf(c))));

    const copies = all(final, "COPY");
    const binary = copies.find((c) => c.args.at(-1) === BINARY);
    expect(binary?.flags.from).toBe("build");
    expect(last(final, "ENTRYPOINT")).toMatchObject({ exec: true, args: [BINARY] });
    expect(last(final, "CMD")).toMatchObject({ exec: true, args: ["server", "start"] });
    expect(all(final, "EXPOSE").flatMap((e) => e.args)).toContain("3847");

    const config = env(final).LLM_GATEWAY_CONFIG;
    expect(config).toBe("/data/config.yaml");
    const volumes = all(final, "VOLUME").flatMap((v) => v.args);
    expect(volumes).toContain(posix.dirname(config!));
    // The volume's folder belongs to the user, so a new named volume is writable to it.
    expect(copies.find((c) => c.args.at(-1) === "/data")?.flags.chown).toBe(user!.args[0]);
  });

  test("a health check by the binary itself (a minimal base has no curl)", () => {
    const hc = last(final, "HEALTHCHECK");
    expect(hc).toBeDefined();
    expect(hc!.raw).toBe(`CMD ["${BINARY}", "health"]`);
    for (const f of ["interval", "timeout", "start-period", "retries"]) expect([f, hc!.flags[f]]).toEqual([f, expect.stringMatching(/^\d+s?$/)]);
  });

  test("no secret is baked into the image", () => {
    for (const s of stages) {
      for (const i of [...all(s, "ENV"), ...all(s, "ARG")]) expect([i.line, i.raw]).not.toEqual([i.line, expect.stringMatching(/MASTER_KEY|API_KEY|SECRET|TOKEN|PASSWORD/i)]);
    }
  });

  test(".dockerignore keeps out what the image must not hold, and nothing the build copies", () => {
    for (const p of [".git", "node_modules", "dist", ".quickstart", "test/cli/service.test.ts", "src/config/store.test.ts"]) expect([p, ignored(p)]).toEqual([p, true]);
    for (const copy of all(build, "COPY")) {
      expect(copy.flags.from).toBeUndefined();
      for (const src of copy.args.slice(0, -1)) {
        expect([src, existsSync(join(root, src))]).toEqual([src, true]);
        expect([src, ignored(src)]).toEqual([src, false]);
      }
    }
  });

  test("the build context holds everything the build needs: every import resolves with production dependencies", () => {
    const ctx = mkdtempSync(join(tmpdir(), "lgw-docker-ctx-"));
    try {
      // COPY as the Dockerfile says, less what .dockerignore leaves out of the context.
      for (const copy of all(build, "COPY")) {
        for (const src of copy.args.slice(0, -1)) copyContext(src, join(ctx, src));
      }
      const run = (cmd: string[]) => Bun.spawnSync(cmd, { cwd: ctx, stdout: "pipe", stderr: "pipe" });
      // bun install takes the packages from its cache (the repository's own install filled it).
      const install = run(["bun", "install", "--frozen-lockfile", "--production"]);
      expect(install.stderr.toString()).not.toContain("error");
      expect(install.exitCode).toBe(0);
      // build.ts's entrypoints, bundled without compiling (test/smoke compiles and runs the binary itself).
      const source = readFileSync(join(root, "build.ts"), "utf8");
      const entries = [...source.matchAll(/^\s*"(\.\/src\/[^"]+\.ts)",$/gm)].map((m) => m[1]!);
      expect(entries).toEqual(["./src/main.ts", "./src/usage/ledger/store-worker.ts"]);
      const bundle = run(["bun", "build", ...entries, "--target=bun", "--outdir=out"]);
      expect(bundle.stderr.toString()).toBe("");
      expect(bundle.exitCode).toBe(0);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Copies a file or folder of the repository into the simulated build context, leaving out what is ignored. */
function copyContext(src: string, dest: string) {
  const from = join(root, src);
  if (statSync(from).isDirectory()) {
    for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const rel = relative(root, join(entry.parentPath, entry.name));
      if (ignored(rel)) continue;
      mkdirSync(dirname(join(dest, relative(from, join(root, rel)))), { recursive: true });
      cpSync(join(root, rel), join(dest, relative(from, join(root, rel))));
    }
  } else {
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(from, dest);
  }
}

describe("compose.yaml", () => {
  const services = compose.services as Record<string, any>;

  test("the gateway and Redis, each with a health check; the gateway waits for a healthy Redis", () => {
    expect(Object.keys(services).sort()).toEqual(["gateway", "redis"]);
    const gw = services.gateway;
    expect(gw.build).toBe(".");
    expect(gw.healthcheck.test).toEqual(["CMD", BINARY, "health"]);
    expect(gw.depends_on).toEqual({ redis: { condition: "service_healthy" } });
    expect(services.redis.healthcheck.test).toEqual(["CMD", "redis-cli", "ping"]);
    for (const s of Object.values(services)) {
      for (const k of ["interval", "timeout", "retries"]) expect(s.healthcheck[k]).toBeDefined();
    }
  });

  test("images have pinned tags; nothing runs privileged", () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) continue;
      const ref = imageRef(s.image);
      expect([name, ref.tag ?? ref.digest]).toEqual([name, expect.stringMatching(/\d/)]);
      expect([name, ref.tag]).not.toEqual([name, "latest"]);
    }
    for (const s of Object.values(services)) {
      expect(s.privileged).toBeUndefined();
      expect(s.security_opt).toContain("no-new-privileges:true");
    }
    expect(services.gateway.cap_drop).toEqual(["ALL"]);
  });

  test("named volumes: the gateway's at the Dockerfile's VOLUME, Redis's at /data, both declared", () => {
    const declared = Object.keys(compose.volumes);
    const mounts = (s: any) => (s.volumes as string[]).map((v) => v.split(":") as [string, string]);
    const [gwVolume, gwPath] = mounts(services.gateway)[0]!;
    expect(all(final, "VOLUME").flatMap((v) => v.args)).toContain(gwPath);
    expect(mounts(services.redis)).toEqual([["redis-data", "/data"]]);
    expect(declared.sort()).toEqual([gwVolume, "redis-data"].sort());
  });

  test("the gateway publishes 3847 and names Redis by its service for cluster mode; no secret inline", () => {
    expect(services.gateway.ports).toEqual(["3847:3847"]);
    const environment = services.gateway.environment as Record<string, string>;
    expect(environment.LLM_GATEWAY_REDIS_URL).toBe("redis://redis:6379/0");
    for (const k of Object.keys(environment)) expect(k).not.toMatch(/MASTER_KEY|API_KEY|SECRET|TOKEN|PASSWORD/);
  });
});
