// `server start --workers 2` from the compiled binary: two workers on one port (SO_REUSEPORT), both serving; a key's
// limit exact across them (their supervisor owns the counters); a worker killed with -9 restarted while requests keep
// succeeding; SIGTERM drains every worker's requests in flight, then all exit. With Redis the workers use it instead.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { compiledBinary } from "../support/compiled-binary.ts";
import { gatewayFolder, until, type GatewayFolder, type GatewayProcess } from "../support/gateway-process.ts";
import { findRedisServer, startRedis, type RedisServer } from "../support/redis-server.ts";

const MASTER_KEY = "d".repeat(64);
const linux = process.platform === "linux";

interface WorkerLine {
  worker: number;
  pid: number;
  url: string;
}
const workerLines = (logs: string): WorkerLine[] =>
  logs
    .split("\n")
    .filter((l) => l.includes('"msg":"listening on') && l.includes('"worker":'))
    .map((l) => JSON.parse(l) as WorkerLine);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!linux)("server start --workers (compiled binary)", () => {
  let binary: string;
  let folder: GatewayFolder;
  let server: GatewayProcess | undefined;
  let slow: ReturnType<typeof Bun.serve>;
  let held: (() => void)[] = [];
  let slowArrived = 0;
  let key: string;
  let limitedKey: string;

  const post = (key: string, model: string) =>
    fetch(`${server!.url}/v1/chat/completions`, {
      method: "POST",
      // A new connection each time: the kernel spreads connections, not requests, over the workers.
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", connection: "close" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
    });

  beforeAll(async () => {
    binary = await compiledBinary();
    // An upstream that answers only when the test says so: requests in flight during a stop.
    slow = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async () => {
        slowArrived++;
        await new Promise<void>((resolve) => held.push(resolve));
        return Response.json({
          id: "c1",
          object: "chat.completion",
          created: 1,
          model: "slow-1",
          choices: [{ index: 0, message: { role: "assistant", content: "done" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        });
      },
    });
    folder = gatewayFolder(binary, { LLM_GATEWAY_MASTER_KEY: MASTER_KEY }, "lgw-workers-");
    key = JSON.parse(folder.cli("apikey", "add", "--name", "ops", "--permissions", "read,write,admin", "--json").stdout).key;
    limitedKey = JSON.parse(folder.cli("apikey", "add", "--name", "limited", "--rpm", "10", "--json").stdout).key;
    expect(folder.cli("upstream", "add", "--provider", "mock", "--name", "mock", "--key", "m", "--models", "mock-1").code).toBe(0);
    expect(folder.cli("upstream", "add", "--provider", "openai-compatible", "--name", "slow", "--key", "s", "--base-url", `http://127.0.0.1:${slow.port}/v1`, "--models", "slow-1").code).toBe(0);
    server = await folder.start(["--workers", "2"]);
    await until(() => server!.logs().includes('"workers":2'), "the supervisor's listening line");
  }, 120_000);

  afterAll(async () => {
    if (server) await server.stop();
    for (const resolve of held) resolve();
    slow?.stop(true);
    rmSync(folder.dir, { recursive: true, force: true });
  });

  test("two workers listen on the one port, and both serve", async () => {
    const lines = workerLines(server!.logs());
    expect(lines.map((l) => l.worker).sort()).toEqual([0, 1]);
    expect(new Set(lines.map((l) => l.url))).toEqual(new Set([server!.url]));
    expect(lines[0]!.pid).not.toBe(lines[1]!.pid);
    const seen = new Set<number>();
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      const h = (await (await fetch(`${server!.url}/health`, { headers: { authorization: `Bearer ${key}`, connection: "close" } })).json()) as any;
      expect(h.state_store).toEqual({ backend: "workers", state: "ok" });
      seen.add(h.worker);
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });

  test("a key's requests-per-minute limit is exact across the workers", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await post(limitedKey, "mock-1")).status);
    expect(statuses.filter((s) => s === 200).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(20);
  });

  test("a worker killed with -9 is restarted; new connections keep being served meanwhile", async () => {
    const victim = workerLines(server!.logs()).find((l) => l.worker === 1)!;
    let stop = false;
    let killedAt = 0;
    let restartedAt = 0;
    const failures: { at: number; why: string }[] = [];
    let done = 0;
    const loop = async () => {
      while (!stop) {
        try {
          const r = await post(key, "mock-1");
          await r.arrayBuffer();
          if (r.status !== 200) failures.push({ at: Date.now(), why: String(r.status) });
        } catch (e) {
          failures.push({ at: Date.now(), why: String(e) });
        }
        done++;
      }
    };
    const loops = [loop(), loop()];
    await until(() => done >= 10, "some requests first");
    killedAt = Date.now();
    process.kill(victim.pid, "SIGKILL");
    await until(() => server!.logs().includes('"msg":"worker exited: restarting it"'), "the supervisor to notice");
    await until(() => workerLines(server!.logs()).filter((l) => l.worker === 1).length === 2, "worker 1 listening again");
    restartedAt = Date.now();
    const done0 = done;
    await until(() => done >= done0 + 20, "requests after the restart");
    stop = true;
    await Promise.all(loops);
    // What the killed worker held when it died (at most one request per loop: its connection, or one queued on its
    // socket) is lost, as with any process killed with -9; every other request was answered, before and after.
    expect(failures.filter((f) => f.at < killedAt || f.at > restartedAt)).toEqual([]);
    expect(failures.length).toBeLessThanOrEqual(2);
    const restarted = workerLines(server!.logs()).filter((l) => l.worker === 1)[1]!;
    expect(restarted.pid).not.toBe(victim.pid);
    expect(alive(victim.pid)).toBe(false);
  }, 30_000);

  test("SIGTERM drains every worker's requests in flight, then everything exits", async () => {
    const pids = workerLines(server!.logs()).slice(-2).map((l) => l.pid);
    const answers = Array.from({ length: 6 }, () => post(key, "slow-1"));
    await until(() => slowArrived === 6, "six requests at the upstream");
    const exit = server!.stop();
    await until(() => (server!.logs().match(/"msg":"stopping: finishing requests in flight"/g)?.length ?? 0) === 2, "both workers draining");
    for (const resolve of held.splice(0)) resolve();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await exit).toBe(0);
    expect(server!.logs().match(/"msg":"stopped","forced":false/g)?.length).toBe(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    server = undefined;
  }, 30_000);
});

const redisBinary = findRedisServer();
describe.skipIf(!linux || !redisBinary)("server start --workers with Redis", () => {
  let redis: RedisServer;
  let folder: GatewayFolder;
  let server: GatewayProcess | undefined;
  beforeAll(async () => {
    const binary = await compiledBinary();
    redis = await startRedis(redisBinary);
    folder = gatewayFolder(binary, { LLM_GATEWAY_MASTER_KEY: MASTER_KEY, LLM_GATEWAY_REDIS_URL: redis.url }, "lgw-workers-redis-");
    expect(folder.cli("upstream", "add", "--provider", "mock", "--name", "mock", "--key", "m", "--models", "mock-1").code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    if (server) await server.stop();
    await redis?.dispose();
    rmSync(folder.dir, { recursive: true, force: true });
  });

  test("the workers share through Redis: one limit across them", async () => {
    const limited = JSON.parse(folder.cli("apikey", "add", "--name", "limited", "--rpm", "5", "--json").stdout).key;
    server = await folder.start(["--workers", "2"]);
    await until(() => server!.logs().includes('"shared_state":"redis"'), "the supervisor's listening line");
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${limited}`, "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "hi" }] }),
      });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 200).length).toBe(5);
    const h = (await (await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${limited}` } })).json()) as any;
    expect(h.state_store).toEqual({ backend: "redis", state: "ok" });
    expect(await server.stop()).toBe(0);
    server = undefined;
  }, 60_000);
});

describe.skipIf(!linux)("server start --workers: a supervisor killed with -9", () => {
  test("its workers stop by themselves: nothing is left running", async () => {
    const binary = await compiledBinary();
    const folder = gatewayFolder(binary, { LLM_GATEWAY_MASTER_KEY: MASTER_KEY }, "lgw-workers-orphan-");
    try {
      const server = await folder.start(["--workers", "2"]);
      await until(() => server.logs().includes('"workers":2'), "the supervisor's listening line");
      const pids = workerLines(server.logs()).map((l) => l.pid);
      expect(pids.length).toBe(2);
      process.kill(server.pid, "SIGKILL");
      await server.exited;
      await until(() => pids.every((pid) => !alive(pid)), "both workers to exit");
    } finally {
      rmSync(folder.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
