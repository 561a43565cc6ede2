// Two instances' config files kept in line through one shared backend (the memory one: the same code runs over
// Redis in test/cluster). Each instance has its own folder, as on two machines.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedBasePath } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { ConfigStore } from "../config/store.ts";
import { silentLogger, type Logger } from "../server/logger.ts";
import { createMemoryBackend } from "../state/memory-backend.ts";
import type { SharedBackend } from "../state/shared-backend.ts";
import { createConfigSync, type ConfigSync } from "./config-sync.ts";
import { createEventBus } from "./event-bus.ts";

const env = { LLM_GATEWAY_MASTER_KEY: "a".repeat(64) };
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

function instance(backend: SharedBackend, opts: { verify?: (c: Config) => void; log?: Logger } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "lgw-sync-"));
  const store = new ConfigStore(join(dir, "config.yaml"), env);
  store.load();
  let applied = 0;
  const sync = createConfigSync({
    backend,
    bus: createEventBus(backend),
    store,
    verify: opts.verify ?? (() => {}),
    ready: async () => true,
    log: opts.log ?? silentLogger,
    watchMs: 10,
    pollMs: 20,
  });
  sync.onApplied(() => void applied++);
  cleanup.push(() => {
    sync.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, sync: sync as ConfigSync, dir, applied: () => applied, config: () => store.read() };
}

const route = (id: string, source: string) => ({ id, source_model: source, target_model: "t", priority: 0, enabled: true });

test("the first instance shares its file; one that joins takes it; a change on either reaches the other", async () => {
  const backend = createMemoryBackend();
  const a = instance(backend);
  a.store.update((c) => void c.model_routes.push(route("r-a", "from-a")));
  await a.sync.start(1000);
  expect((await backend.readDoc("config"))?.text).toBe(readFileSync(a.store.path, "utf8"));

  const b = instance(backend);
  await b.sync.start(1000);
  expect(b.config().model_routes.map((r) => r.id)).toEqual(["r-a"]);
  expect(b.applied()).toBe(1);
  expect(existsSync(sharedBasePath(b.store.path))).toBe(true);

  // A change through B's CLI (a write of the file): A applies it.
  b.store.update((c) => void c.model_routes.push(route("r-b", "from-b")));
  await until(() => a.config().model_routes.length === 2, "A to apply B's route");
  expect(readFileSync(a.store.path, "utf8")).toBe(readFileSync(b.store.path, "utf8"));
});

test("changes made on both sides at once are merged field by field", async () => {
  const backend = createMemoryBackend();
  const a = instance(backend);
  a.store.update((c) => void c.model_routes.push(route("r1", "one")));
  await a.sync.start(1000);
  const b = instance(backend);
  await b.sync.start(1000);
  a.sync.stop();
  b.sync.stop();

  a.store.update((c) => void c.model_routes.push(route("r-a", "a")));
  b.store.update((c) => {
    c.model_routes[0]!.priority = 7;
    c.model_routes.push(route("r-b", "b"));
  });
  await a.sync.sync();
  await b.sync.sync();
  await a.sync.sync();
  for (const side of [a, b]) {
    const routes = side.config().model_routes;
    expect(routes.map((r) => r.id).sort()).toEqual(["r-a", "r-b", "r1"]);
    expect(routes.find((r) => r.id === "r1")!.priority).toBe(7);
  }
});

test("a restart with edits made while it was down shares them (its base says what it had agreed on)", async () => {
  const backend = createMemoryBackend();
  const a = instance(backend);
  await a.sync.start(1000);
  const b = instance(backend);
  await b.sync.start(1000);
  b.sync.stop();
  // B is down: its CLI adds a route; meanwhile A adds another.
  b.store.update((c) => void c.model_routes.push(route("offline-b", "b")));
  a.store.update((c) => void c.model_routes.push(route("live-a", "a")));
  await a.sync.sync();
  const b2 = createConfigSync({
    backend,
    bus: createEventBus(backend),
    store: b.store,
    verify: () => {},
    ready: async () => true,
    log: silentLogger,
  });
  await b2.start(1000);
  b2.stop();
  expect(b.config().model_routes.map((r) => r.id).sort()).toEqual(["live-a", "offline-b"]);
  await a.sync.sync();
  expect(a.config().model_routes.map((r) => r.id).sort()).toEqual(["live-a", "offline-b"]);
});

test("a shared version this instance cannot open is refused, logged once, and the file kept", async () => {
  const backend = createMemoryBackend();
  const a = instance(backend);
  a.store.update((c) => void c.model_routes.push(route("r", "x")));
  await a.sync.start(1000);
  const errors: string[] = [];
  const log: Logger = { ...silentLogger, log: (level, msg) => void (level === "error" && errors.push(msg)) };
  const b = instance(backend, {
    verify: () => {
      throw new Error("wrong master key");
    },
    log,
  });
  const before = readFileSync(b.store.path, "utf8");
  await b.sync.start(1000);
  await b.sync.sync();
  expect(readFileSync(b.store.path, "utf8")).toBe(before);
  expect(errors).toEqual(["the shared configuration was not applied: keeping this instance's configuration"]);
});
