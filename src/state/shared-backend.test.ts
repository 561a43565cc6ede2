// The SharedBackend contract, run against the memory backend and a real redis-server (skipped with a reason when
// redis-server is not installed; .ci/run installs it); then Redis going away and coming back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { findRedisServer, startRedis, type RedisServer } from "../../test/support/redis-server.ts";
import type { LogLevel, Logger } from "../server/logger.ts";
import { createMemoryBackend } from "./memory-backend.ts";
import { createRedisBackend } from "./redis-backend.ts";
import type { SharedBackend } from "./shared-backend.ts";
import { createSharedStateStore } from "./shared-state-store.ts";
import { createMemoryStore } from "./memory-store.ts";

const redisBinary = findRedisServer();
if (!redisBinary) console.warn("redis-server is not installed: the Redis backend's tests are skipped (apt-get install redis-server)");

function recordingLogger() {
  const lines: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { log: (level, msg, fields) => void lines.push({ level, msg, fields }), lifecycle() {}, setLevel() {}, flush() {} };
  return { log, lines };
}

async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

function contract(name: string, make: () => Promise<SharedBackend>, done: (b: SharedBackend) => Promise<void>) {
  describe(`SharedBackend contract: ${name}`, () => {
    let b: SharedBackend;
    beforeAll(async () => {
      b = await make();
    });
    afterAll(async () => {
      await done(b);
    });

    test("hit counts in one window that starts with the first hit; 0 reads", async () => {
      const k = `w-${crypto.randomUUID()}`;
      expect((await b.hit(k, 60_000, 1)).count).toBe(1);
      expect((await b.hit(k, 60_000, 5)).count).toBe(6);
      const read = await b.hit(k, 60_000, 0);
      expect(read.count).toBe(6);
      expect(read.ttlMs).toBeGreaterThan(50_000);
      expect(read.ttlMs).toBeLessThanOrEqual(60_000);
    });

    test("concurrent hits are atomic", async () => {
      const k = `c-${crypto.randomUUID()}`;
      const counts = await Promise.all(Array.from({ length: 50 }, () => b.hit(k, 60_000, 1)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    test("values expire; set-if-absent is a lock; delete-if-equals only by its holder", async () => {
      const k = `v-${crypto.randomUUID()}`;
      await b.set(k, "one", 60_000);
      expect(await b.get(k)).toBe("one");
      expect(await b.mget([k, `${k}-none`])).toEqual(["one", null]);
      expect(await b.setIfAbsent(k, "two", 60_000)).toBe(false);
      await b.delIfEquals(k, "two");
      expect(await b.get(k)).toBe("one");
      await b.delIfEquals(k, "one");
      expect(await b.get(k)).toBeNull();
      expect(await b.setIfAbsent(k, "three", 60_000)).toBe(true);
      await b.del(k);
      expect(await b.get(k)).toBeNull();
      await b.set(k, "short", 1);
      await until(async () => (await b.get(k)) === null, "a 1 ms key to expire");
    });

    test("float counters add and keep their first time to live", async () => {
      const k = `f-${crypto.randomUUID()}`;
      expect(await b.addFloats([{ key: k, by: 0.25, ttlMs: 60_000 }, { key: `${k}-2`, by: 1.5, ttlMs: 60_000 }])).toEqual([0.25, 1.5]);
      expect(await b.addFloats([{ key: k, by: 0.5, ttlMs: 60_000 }])).toEqual([0.75]);
      expect(Number(await b.get(k))).toBe(0.75);
    });

    test("documents: compare-and-set by epoch and version", async () => {
      const k = `d-${crypto.randomUUID()}`;
      expect(await b.readDoc(k)).toBeNull();
      const first = await b.writeDoc(k, null, "a: 1\n", "h1", 60_000);
      expect(first.written).toBe(true);
      expect(first.head!.version).toBe(1);
      const again = await b.writeDoc(k, null, "a: 2\n", "h2", 60_000);
      expect(again).toEqual({ written: false, head: first.head });
      const second = await b.writeDoc(k, first.head!, "a: 2\n", "h2", 60_000);
      expect(second.written).toBe(true);
      expect(second.head).toEqual({ epoch: first.head!.epoch, version: 2, hash: "h2" });
      const stale = await b.writeDoc(k, first.head!, "a: 3\n", "h3", 60_000);
      expect(stale).toEqual({ written: false, head: second.head });
      expect(await b.readDoc(k)).toEqual({ ...second.head!, text: "a: 2\n" });
      expect(await b.readDocHead(k)).toEqual(second.head);
    });

    test("publish reaches every listener", async () => {
      const got: string[] = [];
      b.onMessage((m) => got.push(m));
      await b.publish("hello");
      await until(() => got.includes("hello"), "the message");
    });
  });
}

contract("memory", async () => createMemoryBackend(), async (b) => b.close());

describe.skipIf(!redisBinary)("Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis(redisBinary);
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  contract(
    "redis",
    async () => {
      const b = createRedisBackend({ url: redis.url, prefix: `t-${crypto.randomUUID().slice(0, 8)}`, timeoutMs: 500, log: recordingLogger().log });
      expect(await b.ready(5000)).toBe(true);
      return b;
    },
    (b) => b.close(),
  );

  test("keys live under the prefix, with a time to live", async () => {
    const prefix = `p-${crypto.randomUUID().slice(0, 8)}`;
    const b = createRedisBackend({ url: redis.url, prefix, timeoutMs: 500, log: recordingLogger().log });
    try {
      await b.ready(5000);
      await b.hit("rl:k1", 60_000, 1);
      await b.set("kv:x", "1", 60_000);
      await b.addFloats([{ key: "spend:x", by: 1, ttlMs: 60_000 }]);
      await b.writeDoc("config", null, "x", "h", 60_000);
      const keys = ((await redis.command("KEYS", `${prefix}:*`)) as string[]).sort();
      expect(keys).toEqual([`${prefix}:config`, `${prefix}:kv:x`, `${prefix}:rl:k1`, `${prefix}:spend:x`]);
      for (const k of keys) expect(Number(await redis.command("PTTL", k))).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  });

  test("killed: operations fail at once, degraded, one warning; restarted: up again, listeners told, one info line", async () => {
    const { log, lines } = recordingLogger();
    const b = createRedisBackend({ url: redis.url, prefix: "outage", timeoutMs: 500, log, backoffMs: { first: 10, max: 50 } });
    let ups = 0;
    b.onUp(() => ups++);
    const local = createMemoryStore();
    const store = createSharedStateStore({ backend: b, local, clock: Date.now });
    try {
      expect(await b.ready(5000)).toBe(true);
      await until(() => ups === 1, "the first onUp");
      expect((await store.hit("k", 60_000)).count).toBe(1);
      expect((await store.hit("k", 60_000)).count).toBe(2);

      await redis.kill();
      await until(() => b.status().state === "degraded", "degraded");
      expect(b.status().reason).toBeString();
      // The local window answers meanwhile (it never saw the shared hits).
      expect((await store.hit("k", 60_000)).count).toBe(1);
      await expect(b.get("x")).rejects.toThrow(/shared state unavailable/);

      await redis.start();
      await until(() => b.status().state === "ok", "ok again");
      await until(() => ups === 2, "onUp after the return");
      // Many failed reconnection attempts in between: one warning, one line for the return.
      expect(lines.filter((l) => l.level === "warn").length).toBe(1);
      expect(lines.filter((l) => l.msg.includes("reachable again")).length).toBe(1);
      // The restarted Redis is empty: the shared window starts again.
      expect((await store.hit("k", 60_000)).count).toBe(1);
      // Subscribed again.
      const got: string[] = [];
      b.onMessage((m) => got.push(m));
      await b.publish("after");
      await until(() => got.includes("after"), "a message after the reconnection");
    } finally {
      await b.close();
    }
  });

  test("hung (SIGSTOP): an operation gives up after the timeout and falls back", async () => {
    const { log } = recordingLogger();
    const b = createRedisBackend({ url: redis.url, prefix: "hung", timeoutMs: 100, log, backoffMs: { first: 10, max: 50 } });
    const store = createSharedStateStore({ backend: b, local: createMemoryStore(), clock: Date.now });
    try {
      expect(await b.ready(5000)).toBe(true);
      redis.pause();
      expect((await store.hit("h", 60_000)).count).toBe(1);
      expect(b.status().state).toBe("degraded");
      expect(b.status().reason).toContain("no answer within 100 ms");
      redis.resume();
      await until(() => b.status().state === "ok", "ok after SIGCONT");
    } finally {
      redis.resume();
      await b.close();
    }
  });

  test("a password in the URL never reaches a log line or the status", async () => {
    const { log, lines } = recordingLogger();
    const b = createRedisBackend({ url: `redis://user:s3cret-pw@127.0.0.1:1/0`, prefix: "pw", timeoutMs: 100, log, backoffMs: { first: 10, max: 50 } });
    try {
      await until(() => lines.length > 0, "the warning");
      expect(JSON.stringify(lines) + JSON.stringify(b.status())).not.toContain("s3cret-pw");
    } finally {
      await b.close();
    }
  });
});
