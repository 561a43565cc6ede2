/**
 * The ledger's schema, as numbered migrations for both databases (docs/USAGE_LEDGER.md describes the tables).
 * A migration is never edited once released: a change is a new migration with the next number. Each database
 * records what it has applied in `usage_migrations`; a database that has a number this build does not know was
 * written by a newer gateway, and is left alone (see sql-store.ts).
 *
 * The two dialects differ only in types: SQLite's INTEGER and REAL, PostgreSQL's BIGINT and DOUBLE PRECISION.
 * Times are epoch milliseconds in integers on both, so bucketing is the same integer arithmetic everywhere.
 */
export type SqlDialect = "sqlite" | "postgres";

export interface Migration {
  version: number;
  name: string;
  statements: Record<SqlDialect, string[]>;
}

const rollupTable = (name: string, int: string, real: string) => `CREATE TABLE ${name} (
  bucket ${int} NOT NULL,
  key_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  model TEXT NOT NULL,
  requests ${int} NOT NULL,
  successes ${int} NOT NULL,
  errors ${int} NOT NULL,
  input_tokens ${int} NOT NULL,
  output_tokens ${int} NOT NULL,
  cache_read_tokens ${int} NOT NULL,
  cache_write_tokens ${int} NOT NULL,
  reasoning_tokens ${int} NOT NULL,
  cost_usd ${real} NOT NULL,
  unknown_cost_requests ${int} NOT NULL,
  total_ms_sum ${real} NOT NULL,
  ttfb_ms_sum ${real} NOT NULL,
  ttfb_count ${int} NOT NULL,
  last_ts ${int} NOT NULL,
  PRIMARY KEY (bucket, key_id, account_id, model)
)`;

const requestsTable = (id: string, int: string, real: string) => `CREATE TABLE usage_requests (
  id ${id},
  ts ${int} NOT NULL,
  request_id TEXT NOT NULL,
  key_id TEXT,
  account_id TEXT,
  provider TEXT,
  model_requested TEXT,
  model_served TEXT,
  client_dialect TEXT NOT NULL,
  upstream_dialect TEXT,
  stream INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  status INTEGER NOT NULL,
  error_type TEXT,
  ttfb_ms ${real},
  total_ms ${real} NOT NULL,
  input_tokens ${int},
  output_tokens ${int},
  cache_read_tokens ${int},
  cache_write_tokens ${int},
  reasoning_tokens ${int},
  cost_usd ${real}
)`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "request rows, hourly and daily totals",
    statements: {
      sqlite: [
        requestsTable("INTEGER PRIMARY KEY", "INTEGER", "REAL"),
        "CREATE INDEX usage_requests_ts ON usage_requests (ts)",
        rollupTable("usage_hourly", "INTEGER", "REAL"),
        rollupTable("usage_daily", "INTEGER", "REAL"),
      ],
      postgres: [
        requestsTable("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BIGINT", "DOUBLE PRECISION"),
        "CREATE INDEX usage_requests_ts ON usage_requests (ts)",
        rollupTable("usage_hourly", "BIGINT", "DOUBLE PRECISION"),
        rollupTable("usage_daily", "BIGINT", "DOUBLE PRECISION"),
      ],
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Created before anything else, in both dialects alike. */
export const MIGRATIONS_TABLE =
  "CREATE TABLE IF NOT EXISTS usage_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
