import { describe, expect, test } from "bun:test";
import { sessionKeyFrom } from "./session-key.ts";
import { createStickySessions } from "./sticky-sessions.ts";

describe("sticky sessions", () => {
  test("bindings expire when idle and are refreshed by use", () => {
    let now = 0;
    const s = createStickySessions({ clock: () => now, ttlMs: 1000, maxEntries: 10 });
    s.set("k", "a");
    now = 999;
    expect(s.get("k")).toBe("a");
    s.set("k", "a");
    now = 1500;
    expect(s.get("k")).toBe("a");
    now = 2000;
    expect(s.get("k")).toBeUndefined();
  });
  test("the least recently bound entries go first beyond the cap", () => {
    const s = createStickySessions({ clock: () => 0, ttlMs: 1000, maxEntries: 2 });
    s.set("1", "a");
    s.set("2", "b");
    s.set("1", "a");
    s.set("3", "c");
    expect(s.size).toBe(2);
    expect(s.get("2")).toBeUndefined();
    expect(s.get("1")).toBe("a");
  });
  test("dropAccount and disabled stickiness", () => {
    const s = createStickySessions({ clock: () => 0, ttlMs: 1000, maxEntries: 10 });
    s.set("1", "a");
    s.set("2", "b");
    s.dropAccount("a");
    expect(s.get("1")).toBeUndefined();
    expect(s.get("2")).toBe("b");
    const off = createStickySessions({ clock: () => 0, ttlMs: 0, maxEntries: 10 });
    off.set("1", "a");
    expect(off.get("1")).toBeUndefined();
  });
});

describe("sessionKeyFrom", () => {
  test("header first, then Anthropic metadata.user_id, then OpenAI user", () => {
    const body = { metadata: { user_id: "u-anthropic" }, user: "u-openai" };
    expect(sessionKeyFrom(body, new Headers({ "x-claude-code-session-id": "s1" }))).toBe("h:x-claude-code-session-id:s1");
    expect(sessionKeyFrom(body, new Headers())).toBe("a:u-anthropic");
    expect(sessionKeyFrom({ user: "u-openai" }, new Headers())).toBe("o:u-openai");
    expect(sessionKeyFrom({}, new Headers())).toBeUndefined();
    expect(sessionKeyFrom(null, new Headers())).toBeUndefined();
    expect(sessionKeyFrom({ user: 42 }, new Headers())).toBeUndefined();
  });
  test("the header list is configurable", () => {
    expect(sessionKeyFrom({}, new Headers({ "x-conv": "c9" }), ["x-conv"])).toBe("h:x-conv:c9");
    expect(sessionKeyFrom({}, new Headers({ "x-session-id": "s" }), ["x-conv"])).toBeUndefined();
  });
});
