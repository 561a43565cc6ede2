import { expect, test } from "bun:test";
import { parseConfig } from "../../config/validate.ts";
import { ledgerSettings, ledgerTarget } from "./ledger-from-config.ts";

test("usage config: defaults give SQLite beside the config, 1 s / 2,000-row batches, 90 days of rows", () => {
  const r = parseConfig({});
  if (!r.ok) throw new Error(r.errors.join("\n"));
  expect(r.config.usage).toEqual({
    enabled: true,
    database_url: "",
    path: "",
    retention_days: 90,
    rollup_retention_days: 800,
    flush_interval: 1,
    batch_size: 2000,
    buffer_size: 100000,
    prices: {},
  });
  expect(ledgerTarget(r.config.usage, "/etc/gw/config.yaml")).toEqual({ kind: "sqlite", path: "/etc/gw/usage.db" });
  expect(ledgerSettings(r.config.usage)).toEqual({ flushIntervalMs: 1000, batchSize: 2000, bufferCap: 100000, retentionDays: 90, rollupRetentionDays: 800 });
});

test("usage config: a PostgreSQL URL, a relative SQLite path, prices", () => {
  const r = parseConfig({
    usage: { database_url: "postgresql://gw@db:5432/usage", path: "data/ledger.db", flush_interval: 0.25, prices: { "my-model": { input: 1, output: 2, cache_read: 0.1 } } },
  });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  expect(ledgerTarget(r.config.usage, "/etc/gw/config.yaml")).toEqual({ kind: "postgres", url: "postgresql://gw@db:5432/usage" });
  expect(ledgerTarget({ ...r.config.usage, database_url: "" }, "/etc/gw/config.yaml")).toEqual({ kind: "sqlite", path: "/etc/gw/data/ledger.db" });
  expect(ledgerSettings(r.config.usage).flushIntervalMs).toBe(250);
  expect(r.config.usage.prices["my-model"]).toEqual({ input: 1, output: 2, cache_read: 0.1 });
});

test("usage config: errors name the field", () => {
  const r = parseConfig({ usage: { database_url: "mysql://x", retention_days: 0, batch_size: 0, prices: { m: { input: -1, output: 1 } } } });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.errors.some((e) => e.startsWith("usage.database_url:"))).toBe(true);
  expect(r.errors.some((e) => e.startsWith("usage.retention_days:"))).toBe(true);
  expect(r.errors.some((e) => e.startsWith("usage.batch_size:"))).toBe(true);
  expect(r.errors.some((e) => e.startsWith("usage.prices.m.input:"))).toBe(true);
});
