import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { GatewayError } from "../errors.ts";
import { createMemoryStore } from "../state/memory-store.ts";
import type { StateStore } from "../state/types.ts";
import { startFakeOAuthServer, type FakeOAuthServer } from "../../test/fakes/oauth-server.ts";
import { OAuthReauthRequiredError } from "./oauth-error.ts";
import { createTokenManager, type IntervalTimer, type TokenManagerEvent, type TokenManagerOptions, type TokenPersistence } from "./token-manager.ts";
import type { OAuthAccountRef, OAuthTokens } from "./types.ts";
import type { FetchFn } from "../transport/upstream-fetch.ts";
import { rejectionOf } from "../../test/support/rejection.ts";

const MIN = 60_000;
let now: number;
const clock = () => now;
let fake: FakeOAuthServer;
let account: OAuthAccountRef;
let store: StateStore;

/** Lets pending I/O and promise chains run; a yield, not a timed wait. */
const tick = () => new Promise<void>((r) => setImmediate(r));
async function until(cond: () => boolean, what: string) {
  // Bounded by iterations, not time: each tick lets socket I/O run.
  for (let i = 0; i < 1_000_000 && !cond(); i++) await tick();
  if (!cond()) throw new Error(`condition never met: ${what}`);
}

/** In-memory TokenPersistence that records calls and lets tests hold `save`. */
function memoryPersistence(initial?: OAuthTokens) {
  const data = new Map<string, OAuthTokens>();
  if (initial) data.set("acc-1", { ...initial });
  const log: string[] = [];
  const reauth: { id: string; reason: string }[] = [];
  let saveGate: Promise<void> | undefined;
  const changeWaiters: (() => void)[] = [];
  const persistence: TokenPersistence = {
    async load(id) {
      const t = data.get(id);
      return t && { ...t };
    },
    async save(id, tokens) {
      log.push("save:start");
      if (saveGate) await saveGate;
      data.set(id, { ...tokens });
      log.push("save:done");
      changeWaiters.splice(0).forEach((w) => w());
    },
    async markNeedsReauth(id, reason) {
      reauth.push({ id, reason });
    },
  };
  return {
    persistence,
    data,
    log,
    reauth,
    holdSaves() {
      let open!: () => void;
      saveGate = new Promise<void>((r) => (open = r));
      return () => {
        saveGate = undefined;
        open();
      };
    },
    /** Resolves at the next save: a lock-poll "sleep" that waits for a condition instead of time. */
    nextChange: () => new Promise<void>((r) => changeWaiters.push(r)),
  };
}

function tokensFromFake(expiresInMs: number): OAuthTokens {
  const t = fake.issueTokens();
  return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: now + expiresInMs };
}

function manager(p: TokenPersistence, extra: Partial<TokenManagerOptions> = {}) {
  return createTokenManager({ fetch, clock, persistence: p, store, sleep: async () => tick(), ...extra });
}

const caught = (p: Promise<unknown>) => rejectionOf<Error>(p);

function expectNoSecrets(err: Error, extra: string[] = []) {
  const text = `${err.message} ${String((err.cause as Error | undefined)?.message ?? "")}`;
  for (const s of [...fake.secrets(), ...extra]) expect(text).not.toContain(s);
}

beforeEach(() => {
  now = 1_700_000_000_000;
  fake = startFakeOAuthServer({ clock, accessTtlSec: 3600 });
  store = createMemoryStore(clock);
  account = {
    id: "acc-1",
    name: "main",
    type: "oauth",
    provider: "anthropic",
    oauth: { token_url: fake.tokenUrl, client_id: fake.clientId, authorize_url: fake.authorizeUrl, redirect_uri: fake.redirectUri },
  };
});
afterEach(() => fake.stop());

describe("getAccessToken", () => {
  test("a token outside the margin is used as is", async () => {
    const initial = tokensFromFake(60 * MIN);
    const m = manager(memoryPersistence(initial).persistence);
    expect(await m.getAccessToken(account)).toBe(initial.accessToken);
    expect(fake.counts.refreshes).toBe(0);
  });

  test("inside the margin: refreshes, saves the rotated refresh token before handing out the new access token", async () => {
    const initial = tokensFromFake(4 * MIN);
    const mem = memoryPersistence(initial);
    const events: TokenManagerEvent[] = [];
    const m = manager(mem.persistence, { onEvent: (e) => events.push(e) });
    const open = mem.holdSaves();
    let handedOut: string | undefined;
    const pending = m.getAccessToken(account).then((t) => (handedOut = t));
    await until(() => mem.log.includes("save:start"), `save called ${JSON.stringify(events)} ${handedOut}`);
    for (let i = 0; i < 20; i++) await tick();
    expect(handedOut).toBeUndefined();
    open();
    await pending;
    const saved = mem.data.get("acc-1")!;
    expect(mem.log).toEqual(["save:start", "save:done"]);
    expect(handedOut).toBe(saved.accessToken);
    expect(saved.refreshToken).not.toBe(initial.refreshToken);
    expect(saved.expiresAt).toBe(now + 3600_000);
    expect(fake.isAccessTokenLive(saved.accessToken)).toBe(true);
    expect(fake.counts.refreshes).toBe(1);
  });

  test("50 concurrent requests at expiry cause exactly one refresh", async () => {
    const mem = memoryPersistence(tokensFromFake(0));
    const m = manager(mem.persistence);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => m.getAccessToken(account)));
    expect(fake.counts.refreshes).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toBe(mem.data.get("acc-1")!.accessToken);
    expect(mem.log).toEqual(["save:start", "save:done"]);
  });

  test("invalid_grant marks the account for a new login, keeps its tokens and stops calling the server", async () => {
    const initial = tokensFromFake(0);
    const mem = memoryPersistence(initial);
    const events: TokenManagerEvent[] = [];
    const m = manager(mem.persistence, { onEvent: (e) => events.push(e) });
    fake.setRefreshInvalid(true);
    const err = await caught(m.getAccessToken(account));
    expect(err).toBeInstanceOf(OAuthReauthRequiredError);
    const ge = err as OAuthReauthRequiredError;
    expect(ge.status).toBe(401);
    expect(ge.code).toBe("authentication");
    expect(ge.message).toContain("needs a new OAuth login");
    expect(ge.message).toContain("acc-1");
    expectNoSecrets(ge);
    expect(mem.reauth).toEqual([{ id: "acc-1", reason: "refresh token rejected (invalid_grant)" }]);
    expect(mem.data.get("acc-1")).toEqual(initial);
    expect(events.map((e) => e.type)).toEqual(["needs_reauth"]);
    expect(JSON.stringify(events)).not.toContain(initial.refreshToken!);

    // The same dead refresh token is never sent again; an account flagged in config is refused up front.
    const again = await caught(m.getAccessToken(account));
    expect(again).toBeInstanceOf(OAuthReauthRequiredError);
    expect(fake.counts.refreshes).toBe(1);
    const flagged = await caught(m.getAccessToken({ ...account, oauth: { ...account.oauth, needs_reauth: true } }));
    expect(flagged).toBeInstanceOf(OAuthReauthRequiredError);
    expect(fake.counts.refreshes).toBe(1);
  });

  test("a new login after invalid_grant is picked up", async () => {
    const mem = memoryPersistence(tokensFromFake(0));
    const m = manager(mem.persistence);
    fake.setRefreshInvalid(true);
    await caught(m.getAccessToken(account));
    fake.setRefreshInvalid(false);
    const fresh = tokensFromFake(60 * MIN);
    mem.data.set("acc-1", fresh);
    expect(await m.getAccessToken(account)).toBe(fresh.accessToken);
  });

  test("no tokens: a 401 authentication error that says to log in", async () => {
    const m = manager(memoryPersistence().persistence);
    const err = (await caught(m.getAccessToken(account))) as OAuthReauthRequiredError;
    expect(err.status).toBe(401);
    expect(err.message).toContain("oauth start acc-1");
  });

  test("a passing refresh failure keeps a still-valid token in use and backs off", async () => {
    const initial = tokensFromFake(2 * MIN);
    const mem = memoryPersistence(initial);
    let calls = 0;
    const failing: FetchFn = async () => {
      calls++;
      return new Response("bad gateway", { status: 502 });
    };
    const events: TokenManagerEvent[] = [];
    const m = manager(mem.persistence, { fetch: failing, onEvent: (e) => events.push(e) });
    expect(await m.getAccessToken(account)).toBe(initial.accessToken);
    expect(await m.getAccessToken(account)).toBe(initial.accessToken);
    expect(calls).toBe(1);
    expect(events[0]).toMatchObject({ type: "refresh_failed", accountId: "acc-1" });
    now += 31_000;
    await m.getAccessToken(account);
    expect(calls).toBe(2);
    // Once the token has really expired the failure reaches the caller.
    now += 2 * MIN;
    const err = await caught(m.getAccessToken(account));
    expect((err as { status?: number }).status).toBe(502);
    expectNoSecrets(err, [initial.accessToken, initial.refreshToken!]);
  });

  test("a token without refresh token (setup-token) is used until it expires, then needs a login", async () => {
    const mem = memoryPersistence({ accessToken: "long-lived-token", expiresAt: now + MIN });
    const m = manager(mem.persistence);
    expect(await m.getAccessToken(account)).toBe("long-lived-token");
    now += 2 * MIN;
    const err = await caught(m.getAccessToken(account));
    expect(err).toBeInstanceOf(OAuthReauthRequiredError);
    expect(err.message).not.toContain("long-lived-token");
    expect(fake.counts.refreshes).toBe(0);
  });
});

describe("401 from the upstream", () => {
  test("onUnauthorized: concurrent callers share one refresh; a token already replaced is not refreshed again", async () => {
    const initial = tokensFromFake(60 * MIN);
    const mem = memoryPersistence(initial);
    const m = manager(mem.persistence);
    const next = await Promise.all(Array.from({ length: 10 }, () => m.onUnauthorized(account, initial.accessToken)));
    expect(fake.counts.refreshes).toBe(1);
    expect(new Set(next).size).toBe(1);
    expect(next[0]).not.toBe(initial.accessToken);
    // A late 401 for the old token: someone already refreshed past it.
    expect(await m.onUnauthorized(account, initial.accessToken)).toBe(next[0]!);
    expect(fake.counts.refreshes).toBe(1);
  });
});

describe("refreshNow", () => {
  test("refreshes a fresh token and returns only the expiry", async () => {
    const mem = memoryPersistence(tokensFromFake(60 * MIN));
    const m = manager(mem.persistence);
    now += MIN;
    const r = await m.refreshNow(account);
    expect(r).toEqual({ expiresAt: now + 3600_000 });
    expect(fake.counts.refreshes).toBe(1);
  });
});

describe("across gateway instances (shared StateStore lock)", () => {
  test("two managers, one refresh: the second waits for the first's saved tokens", async () => {
    const mem = memoryPersistence(tokensFromFake(0));
    const eventsB: TokenManagerEvent[] = [];
    const a = manager(mem.persistence);
    // B polls by waiting for the next save, never on time.
    const b = manager(mem.persistence, { sleep: () => mem.nextChange(), onEvent: (e) => eventsB.push(e) });
    const release = fake.holdRefreshes();
    const pa = a.getAccessToken(account);
    await until(() => fake.counts.refreshes === 1, "A's refresh reached the server");
    const pb = b.getAccessToken(account);
    await until(() => eventsB.some((e) => e.type === "lock_wait"), "B found the lock taken");
    release();
    const [ta, tb] = await Promise.all([pa, pb]);
    expect(ta).toBe(tb);
    expect(fake.counts.refreshes).toBe(1);
    expect(mem.log).toEqual(["save:start", "save:done"]);
  });

  test("a lock left by a dead instance frees with its TTL and the waiter refreshes", async () => {
    const mem = memoryPersistence(tokensFromFake(0));
    await store.tryLock("oauth-refresh:acc-1", 30_000);
    let waits = 0;
    const m = manager(mem.persistence, {
      lockTtlMs: 30_000,
      lockPollMs: 5_000,
      sleep: async (ms) => {
        waits++;
        now += ms;
      },
    });
    const token = await m.getAccessToken(account);
    expect(waits).toBe(6);
    expect(fake.counts.refreshes).toBe(1);
    expect(token).toBe(mem.data.get("acc-1")!.accessToken);
  });

  test("a waiter gives up with a retryable 503 when the lock outlives lockWaitMs", async () => {
    const mem = memoryPersistence(tokensFromFake(0));
    const neverFree: StateStore = { ...store, tryLock: async () => undefined };
    const m = manager(mem.persistence, {
      store: neverFree,
      lockWaitMs: 10_000,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const err = (await caught(m.getAccessToken(account))) as GatewayError;
    expect(err.status).toBe(503);
    expect(err.options.retryable).toBe(true);
    expect(fake.counts.refreshes).toBe(0);
  });
});

describe("background refresh", () => {
  function fakeTimer() {
    const fns: (() => void)[] = [];
    let cleared = 0;
    const timer: IntervalTimer = {
      setInterval: (fn) => {
        fns.push(fn);
        return fns.length;
      },
      clearInterval: () => {
        cleared++;
      },
    };
    return { timer, fire: () => fns.forEach((f) => f()), cleared: () => cleared, count: () => fns.length };
  }

  test("refreshes one tick ahead of the margin, skips flagged and disabled accounts, stops cleanly", async () => {
    const mem = memoryPersistence(tokensFromFake(5 * MIN + 30_000));
    const t = fakeTimer();
    const m = manager(mem.persistence, { timer: t.timer, backgroundIntervalMs: MIN });
    const others: OAuthAccountRef[] = [
      { ...account, id: "flagged", oauth: { ...account.oauth, needs_reauth: true } },
      { ...account, id: "off", status: "disabled" },
      { id: "key", type: "api-key", provider: "anthropic" },
    ];
    m.startBackground(() => [account, ...others]);
    m.startBackground(() => [account]);
    expect(t.count()).toBe(1);
    await m.stop();
    expect(t.cleared()).toBe(1);
    expect(fake.counts.refreshes).toBe(1);
    expect(mem.data.get("acc-1")!.expiresAt).toBe(now + 3600_000);

    // Fresh tokens: a later tick does nothing.
    m.startBackground(() => [account]);
    t.fire();
    await m.stop();
    expect(fake.counts.refreshes).toBe(1);
  });

  test("a failing account does not stop the pass", async () => {
    const mem = memoryPersistence(tokensFromFake(0));
    mem.data.set("acc-2", tokensFromFake(0));
    const events: TokenManagerEvent[] = [];
    const m = manager(mem.persistence, { onEvent: (e) => events.push(e) });
    const broken: OAuthAccountRef = { ...account, id: "acc-2", oauth: { ...account.oauth, token_url: `${fake.url}/nope` } };
    await m.refreshDue([broken, account]);
    expect(fake.counts.refreshes).toBe(1);
    expect(events.map((e) => `${e.type}:${e.accountId}`).sort()).toEqual(["refresh_failed:acc-2", "refreshed:acc-1"]);
  });
});
