import { RedisClient } from "bun";
import { redisUrlForDisplay } from "../config/state-settings.ts";
import type { Logger } from "../server/logger.ts";
import { createDeadlines, TIMED_OUT } from "./op-deadline.ts";
import { SharedUnavailableError, type DocVersion, type SharedBackend, type SharedDoc, type SharedStatus } from "./shared-backend.ts";

export interface RedisBackendOptions {
  url: string;
  /** Every key is `<prefix>:<name>`; the events channel is `<prefix>:events`. */
  prefix: string;
  /** Longest wait for one operation (ms); past it the operation fails and the connection is made again. */
  timeoutMs: number;
  log: Logger;
  clock?: () => number;
  /** Waits between reconnection attempts: from the first (ms), doubling up to the last. */
  backoffMs?: { first: number; max: number };
}

/** A Lua script run by its SHA-1 (EVALSHA), sent whole once when Redis does not know it yet (NOSCRIPT). */
interface Script {
  source: string;
  sha: string;
}
const script = (source: string): Script => ({ source, sha: new Bun.CryptoHasher("sha1").update(source).digest("hex") });

/** A window from its first hit: INCRBY, and the expiry set when the key has none yet. One round trip, atomic. */
const HIT = script(`
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  t = tonumber(ARGV[2])
end
return {c, t}`);

const DEL_IF_EQUALS = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** ARGV: by, ttl for each key in turn. Values come back as text (INCRBYFLOAT's own answer). */
const ADD_FLOATS = script(`
local out = {}
for i, k in ipairs(KEYS) do
  out[i] = redis.call('INCRBYFLOAT', k, ARGV[2 * i - 1])
  if redis.call('PTTL', k) < 0 then redis.call('PEXPIRE', k, ARGV[2 * i]) end
end
return out`);

/**
 * Compare-and-set of a versioned document (a hash: epoch, version, hash, text). ARGV: expected epoch ('' for "none
 * yet"), expected version, text, hash, ttl, the epoch of a new document. Returns {written, epoch, version, hash} of
 * what is there after the call ({0} when nothing is).
 */
const WRITE_DOC = script(`
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'version', 'hash')
local e, v, h = cur[1], cur[2], cur[3]
if ARGV[1] == '' then
  if e then return {0, e, v, h} end
  redis.call('HSET', KEYS[1], 'epoch', ARGV[6], 'version', '1', 'text', ARGV[3], 'hash', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {1, ARGV[6], '1', ARGV[4]}
end
if not e then return {0} end
if e ~= ARGV[1] or v ~= ARGV[2] then return {0, e, v, h} end
local nv = tostring(tonumber(v) + 1)
redis.call('HSET', KEYS[1], 'version', nv, 'text', ARGV[3], 'hash', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, e, nv, ARGV[4]}`);

const CONNECTING = "connecting";

/**
 * The shared state in Redis, through Bun's built-in client: two connections (commands, and the subscription to the
 * events channel), reconnected by this module (Bun's own reconnection gives up after a number of tries and does not
 * subscribe again). Never an outage: an operation while Redis is away fails at once, and one Redis does not answer
 * within the timeout fails then, so the caller serves from its own state; the first failure of an outage is logged
 * once as a warning, the return as info, and the status (/health, `status`) says degraded meanwhile. Reconnection
 * backs off from 100 ms to 5 s; each success runs the onUp listeners (they re-share what changed meanwhile).
 */
export function createRedisBackend(opts: RedisBackendOptions): SharedBackend & { ready(waitMs: number): Promise<boolean> } {
  const clock = opts.clock ?? Date.now;
  const prefix = `${opts.prefix}:`;
  const channel = `${opts.prefix}:events`;
  const shownUrl = redisUrlForDisplay(opts.url);
  const deadline = createDeadlines(opts.timeoutMs);
  const backoff = opts.backoffMs ?? { first: 100, max: 5000 };
  const messageListeners: ((m: string) => void)[] = [];
  const upListeners: (() => void)[] = [];
  const readyWaiters: (() => void)[] = [];

  let cmd: RedisClient | undefined;
  let sub: RedisClient | undefined;
  let up = false;
  /** Why the store is away and since when; `warned`: this outage was logged. */
  let down: { reason: string; since: number; warned: boolean } = { reason: CONNECTING, since: clock(), warned: false };
  let closed = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let connecting = false;
  const serverErrorsLogged = new Set<string>();

  const dispatch = (message: string) => {
    for (const l of messageListeners) {
      try {
        l(message);
      } catch (e) {
        opts.log.log("error", "shared state: a message listener failed", { error: String(e) });
      }
    }
  };

  const dropClients = () => {
    const [c, s] = [cmd, sub];
    cmd = sub = undefined;
    for (const client of [c, s]) {
      if (!client) continue;
      client.onclose = null;
      try {
        client.close();
      } catch {
        // already closed
      }
    }
  };

  function markDown(reason: string): void {
    if (closed) return;
    const wasUp = up;
    up = false;
    if (wasUp || down.reason === CONNECTING) down = { reason, since: wasUp ? clock() : down.since, warned: false };
    if (!down.warned) {
      down.warned = true;
      opts.log.log("warn", "shared state (Redis) unreachable: serving with this instance's own state until it is back", { redis: shownUrl, reason });
    }
    dropClients();
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || retry !== undefined || connecting) return;
    const wait = Math.min(backoff.max, backoff.first * 2 ** Math.min(attempt, 16));
    attempt++;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, wait);
    retry.unref?.();
  }

  async function connect(): Promise<void> {
    if (closed || connecting) return;
    connecting = true;
    const options = { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: Math.max(1000, opts.timeoutMs * 4) };
    let c: RedisClient | undefined;
    let s: RedisClient | undefined;
    try {
      c = new RedisClient(opts.url, options);
      s = new RedisClient(opts.url, options);
      await Promise.all([c.connect(), s.connect()]);
      await s.subscribe(channel, dispatch);
      const lost = (client: RedisClient) => (error: Error) => {
        if (client === cmd || client === sub) markDown(`connection lost (${error?.message ?? "closed"})`);
      };
      c.onclose = lost(c);
      s.onclose = lost(s);
    } catch (e) {
      for (const client of [c, s]) {
        try {
          client?.close();
        } catch {
          // never opened
        }
      }
      connecting = false;
      const reason = `cannot connect (${errorText(e)})`;
      if (down.reason === CONNECTING) down.reason = reason;
      markDown(reason);
      return;
    }
    connecting = false;
    if (closed) {
      c.close();
      s.close();
      return;
    }
    cmd = c;
    sub = s;
    up = true;
    attempt = 0;
    if (down.warned) opts.log.log("info", "shared state (Redis) reachable again: sharing resumed", { redis: shownUrl, degraded_s: Math.round((clock() - down.since) / 1000) });
    else if (down.reason === CONNECTING) opts.log.log("info", "shared state in Redis", { redis: shownUrl, prefix: opts.prefix });
    down = { reason: "", since: 0, warned: false };
    serverErrorsLogged.clear();
    for (const w of readyWaiters.splice(0)) w();
    for (const l of upListeners) {
      try {
        l();
      } catch (e) {
        opts.log.log("error", "shared state: a reconnect listener failed", { error: String(e) });
      }
    }
  }

  /** One command with the timeout; rejects at once while Redis is away. */
  async function run<T>(fn: (c: RedisClient) => Promise<T>): Promise<T> {
    const c = cmd;
    if (!up || !c) throw new SharedUnavailableError(down.reason || CONNECTING);
    let result: T | typeof TIMED_OUT;
    try {
      result = await Promise.race([fn(c), deadline()]);
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_REDIS_SERVER_ERROR") {
        // Redis refused this command (out of memory, a read-only replica…): the connection is fine, this operation
        // falls back. Each distinct refusal is logged once per connection.
        const text = errorText(e);
        if (!serverErrorsLogged.has(text) && serverErrorsLogged.size < 20) {
          serverErrorsLogged.add(text);
          opts.log.log("warn", "shared state (Redis) refused a command: this instance's own state is used for it", { error: text });
        }
        throw e;
      }
      if (c === cmd) markDown(`connection failed (${errorText(e)})`);
      throw e;
    }
    if (result === TIMED_OUT) {
      if (c === cmd) markDown(`no answer within ${opts.timeoutMs} ms`);
      throw new SharedUnavailableError(`no answer within ${opts.timeoutMs} ms`);
    }
    return result;
  }

  const evalScript = async (c: RedisClient, s: Script, keys: string[], args: string[]) => {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await c.send("EVALSHA", [s.sha, ...tail]);
    } catch (e) {
      if (!/NOSCRIPT/.test(errorText(e))) throw e;
      return c.send("EVAL", [s.source, ...tail]);
    }
  };

  void connect();

  return {
    kind: "redis",
    get up() {
      return up;
    },
    ready(waitMs) {
      if (up) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          readyWaiters.splice(readyWaiters.indexOf(done), 1);
          resolve(up);
        }, waitMs);
        readyWaiters.push(done);
      });
    },
    hit: (key, windowMs, by) =>
      run(async (c) => {
        const [count, ttlMs] = (await evalScript(c, HIT, [prefix + key], [String(by), String(windowMs)])) as [number, number];
        return { count: Number(count), ttlMs: Number(ttlMs) };
      }),
    get: (key) => run((c) => c.get(prefix + key)),
    mget: (keys) => (keys.length === 0 ? Promise.resolve([]) : run((c) => c.send("MGET", keys.map((k) => prefix + k)) as Promise<(string | null)[]>)),
    set: (key, value, ttlMs) => run(async (c) => void (await c.send("SET", [prefix + key, value, "PX", String(Math.max(1, Math.round(ttlMs)))]))),
    setIfAbsent: (key, value, ttlMs) =>
      run(async (c) => (await c.send("SET", [prefix + key, value, "NX", "PX", String(Math.max(1, Math.round(ttlMs)))])) !== null),
    del: (key) => run(async (c) => void (await c.del(prefix + key))),
    delIfEquals: (key, value) => run(async (c) => void (await evalScript(c, DEL_IF_EQUALS, [prefix + key], [value]))),
    expire: (key, ttlMs) => run(async (c) => void (await c.pexpire(prefix + key, Math.max(1, Math.round(ttlMs))))),
    addFloats: (adds) =>
      adds.length === 0
        ? Promise.resolve([])
        : run(async (c) => {
            const out = (await evalScript(
              c,
              ADD_FLOATS,
              adds.map((a) => prefix + a.key),
              adds.flatMap((a) => [String(a.by), String(Math.max(1, Math.round(a.ttlMs)))]),
            )) as string[];
            return out.map(Number);
          }),
    readDoc: (key) =>
      run(async (c) => {
        const [epoch, version, hash, text] = (await c.send("HMGET", [prefix + key, "epoch", "version", "hash", "text"])) as (string | null)[];
        if (!epoch || !version || hash === null || text === null) return null;
        return { epoch, version: Number(version), hash: hash ?? "", text } satisfies SharedDoc;
      }),
    readDocHead: (key) =>
      run(async (c) => {
        const [epoch, version, hash] = (await c.send("HMGET", [prefix + key, "epoch", "version", "hash"])) as (string | null)[];
        return epoch && version ? { epoch, version: Number(version), hash: hash ?? "" } : null;
      }),
    writeDoc: (key, expected: DocVersion | null, text, hash, ttlMs) =>
      run(async (c) => {
        const r = (await evalScript(
          c,
          WRITE_DOC,
          [prefix + key],
          [expected?.epoch ?? "", expected ? String(expected.version) : "", text, hash, String(Math.round(ttlMs)), crypto.randomUUID()],
        )) as [number, string?, string?, string?];
        const head = r[1] ? { epoch: r[1], version: Number(r[2]), hash: r[3] ?? "" } : null;
        return { written: Number(r[0]) === 1, head };
      }),
    publish: (message) => run(async (c) => void (await c.publish(channel, message))),
    onMessage(listener) {
      messageListeners.push(listener);
    },
    onUp(listener) {
      upListeners.push(listener);
      if (up) queueMicrotask(listener);
    },
    status(): SharedStatus {
      if (up) return { backend: "redis", state: "ok" };
      return { backend: "redis", state: "degraded", reason: down.reason || CONNECTING, since: down.since };
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      up = false;
      dropClients();
      for (const w of readyWaiters.splice(0)) w();
    },
  };
}

/** An error's message without anything that could carry the URL's password. */
function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\/\/[^@\s/]*@/g, "//***@").slice(0, 200);
}
