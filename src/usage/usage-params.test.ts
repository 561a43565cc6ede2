import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { Config, type GatewayKey, type UpstreamAccount } from "../config/schema.ts";
import { DAY_MS, HOUR_MS } from "./ledger/rollup.ts";
import { parseUsageParams, parseUsageTime, UsageParamError, type UsageParams } from "./usage-params.ts";

const NOW = Date.UTC(2026, 2, 15, 13, 45, 30);
const key = (id: string, name: string) => ({ id, name }) as GatewayKey;
const account = (id: string, name: string) => ({ id, name }) as UpstreamAccount;
const config: Config = {
  ...(Value.Default(Config, {}) as Config),
  gateway_keys: [key("key_1", "team"), key("key_2", "twin"), key("key_3", "twin")],
  upstream_accounts: [account("up_1", "claude-main")],
};

describe("parseUsageTime", () => {
  test("durations back from now, the named instants, dates and times (UTC unless an offset is given)", () => {
    const cases: [string, number][] = [
      ["30m", NOW - 30 * 60_000],
      ["24h", NOW - DAY_MS],
      ["7d", NOW - 7 * DAY_MS],
      ["2w", NOW - 14 * DAY_MS],
      ["90s", NOW - 90_000],
      ["now", NOW],
      ["today", Date.UTC(2026, 2, 15)],
      ["month", Date.UTC(2026, 2, 1)],
      ["2026-01-31", Date.UTC(2026, 0, 31)],
      ["2026-01-31T12:00", Date.UTC(2026, 0, 31, 12)],
      ["2026-01-31T12:00Z", Date.UTC(2026, 0, 31, 12)],
      ["2026-01-31 12:00:05", Date.UTC(2026, 0, 31, 12, 0, 5)],
      ["2026-01-31T12:00:05.250Z", Date.UTC(2026, 0, 31, 12, 0, 5, 250)],
      ["2026-01-31T14:00+02:00", Date.UTC(2026, 0, 31, 12)],
    ];
    for (const [text, ms] of cases) expect([text, parseUsageTime(text, NOW, "since")]).toEqual([text, ms]);
  });

  test("a date as `until` includes that day; other forms mean the same at either end", () => {
    expect(parseUsageTime("2026-01-31", NOW, "until")).toBe(Date.UTC(2026, 1, 1));
    expect(parseUsageTime("2026-01-31T00:00Z", NOW, "until")).toBe(Date.UTC(2026, 0, 31));
    expect(parseUsageTime("7d", NOW, "until")).toBe(NOW - 7 * DAY_MS);
  });

  test("anything else is undefined, impossible dates included", () => {
    for (const text of ["", "yesterday", "7", "7y", "-7d", "0d", "2026-02-30", "2026-13-01", "2026-1-5", "31/01/2026", "2026-01-31T25:00Z", "1700000000000"]) {
      expect([text, parseUsageTime(text, NOW, "since")]).toEqual([text, undefined]);
    }
  });
});

describe("parseUsageParams", () => {
  const parse = (p: UsageParams) => parseUsageParams(p, config, NOW);
  const fails = (p: UsageParams) => {
    try {
      parse(p);
    } catch (e) {
      if (e instanceof UsageParamError) return [e.param, e.message];
      throw e;
    }
    throw new Error("no error");
  };

  test("defaults: the last seven days, no grouping, no filter", () => {
    expect(parse({})).toEqual({ query: { since: NOW - 7 * DAY_MS, until: NOW }, unknown: [] });
  });

  test("keys and accounts by id or unique name; an unknown one is matched as an id and reported", () => {
    expect(parse({ key: "team", account: "claude-main" }).query).toMatchObject({ keyId: "key_1", accountId: "up_1" });
    expect(parse({ key: "key_3" }).query.keyId).toBe("key_3");
    expect(parse({ key: " key_gone ", model: " gpt-4o " })).toMatchObject({ query: { keyId: "key_gone", model: "gpt-4o" }, unknown: [{ param: "key", ref: "key_gone" }] });
  });

  test("one grouping, repeated or as a comma list of one, any case", () => {
    expect(parse({ by: ["Day"] }).query.groupBy).toBe("day");
    expect(parse({ by: ["hour,", "hour"] }).query.groupBy).toBe("hour");
  });

  test("each mistake names its parameter", () => {
    expect(fails({ since: "soon" })).toEqual(["since", expect.stringMatching(/^since expects a duration back from now/)]);
    expect(fails({ until: "later" })).toEqual(["until", expect.stringMatching(/^until expects/)]);
    expect(fails({ since: "1h", until: "2h" })).toEqual(["until", expect.stringContaining("must be after the start of the range")]);
    expect(fails({ since: "2099-01-01" })).toEqual(["since", expect.stringContaining("must be before now")]);
    expect(fails({ by: ["week"] })).toEqual(["by", 'by expects one of key, account, model, day, hour; got "week"']);
    expect(fails({ by: ["key,model"] })).toEqual(["by", expect.stringContaining("one grouping at a time (got key, model)")]);
    expect(fails({ key: "twin" })).toEqual(["key", 'key "twin" names 2 gateway keys; give the id (key_2, key_3)']);
    expect(fails({ account: "" })).toEqual(["account", "account needs an upstream account id or name"]);
    expect(fails({ model: " " })).toEqual(["model", "model needs a model name"]);
  });

  test("the range can lie anywhere before now", () => {
    expect(parse({ since: "2026-03-01", until: "2026-03-01" }).query).toMatchObject({ since: Date.UTC(2026, 2, 1), until: Date.UTC(2026, 2, 2) });
    expect(parse({ since: "3h", until: "1h" }).query).toMatchObject({ since: NOW - 3 * HOUR_MS, until: NOW - HOUR_MS });
  });
});
