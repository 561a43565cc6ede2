import { Type as T, type Static } from "@sinclair/typebox";

/**
 * The configuration file's one schema. Every type used for configuration derives from it.
 * Durations are seconds (as in the file of the Go gateway this replaces, docs/ARCHITECTURE.md); sizes are bytes.
 */

export const PROVIDERS = ["anthropic", "openai", "azure", "gemini", "vertex", "openai-compatible", "mock"] as const;
export const Provider = T.Union(PROVIDERS.map((p) => T.Literal(p)));
export type Provider = Static<typeof Provider>;

/**
 * How candidates are ordered inside one priority tier (tiers always come first; see src/routing/strategies.ts).
 * - `health-first` (default): round-robin, accounts that failed within the window go after clean ones.
 * - `weighted-round-robin`: smooth weighted round-robin by `weight` (0 = standby, only for failover).
 * - `priority`: config order inside a tier: strict active/standby, no load spreading.
 * - `least-latency`: lowest moving average of time to first byte; unmeasured accounts first.
 * - `least-in-flight`: fewest requests in flight.
 */
export const ROUTING_STRATEGIES = [
  "health-first",
  "weighted-round-robin",
  "priority",
  "least-latency",
  "least-in-flight",
] as const;
export const RoutingStrategy = T.Union(ROUTING_STRATEGIES.map((s) => T.Literal(s)));
export type RoutingStrategy = Static<typeof RoutingStrategy>;

/** Headers that carry a conversation id for sticky routing when the config names none. */
export const DEFAULT_SESSION_HEADERS = ["x-session-id", "x-claude-code-session-id"] as const;

export const PERMISSIONS = ["read", "write", "admin"] as const;
export const Permission = T.Union(PERMISSIONS.map((p) => T.Literal(p)));
export type Permission = Static<typeof Permission>;

const Status = T.Union([T.Literal("active"), T.Literal("disabled")], { default: "active" });

export const ServerConfig = T.Object(
  {
    host: T.String({ default: "0.0.0.0" }),
    port: T.Integer({ minimum: 0, maximum: 65535, default: 3847 }),
    /** Seconds an idle client connection is kept (Bun caps it at 255). */
    idle_timeout: T.Number({ minimum: 0, maximum: 255, default: 120 }),
    /** Seconds in-flight requests and streams get to finish on SIGINT/SIGTERM. */
    shutdown_grace: T.Number({ minimum: 0, default: 30 }),
    body_limit: T.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
    /** Browser origins allowed to call the API (`"*"` for any); none by default: clients that are not browsers need no CORS. */
    cors_origins: T.Array(T.String(), { default: [] }),
    /** The web admin UI at /admin (sign-in with an admin key); false: off. The JSON admin API answers admin keys either way. */
    admin_ui: T.Boolean({ default: true }),
    /**
     * Addresses of the reverse proxies in front of the gateway: only from these are X-Forwarded-For (the client's
     * address, for the admin sign-in limit) and X-Forwarded-Proto (https: the admin session cookie is Secure) believed.
     */
    trusted_proxies: T.Array(T.String({ minLength: 1 }), { default: [] }),
  },
  { default: {} },
);

export const ProxyConfig = T.Object(
  {
    /** Accepted for compatibility; Bun's fetch has no connect event, so connecting is bounded by first_byte_timeout. */
    connect_timeout: T.Number({ exclusiveMinimum: 0, default: 10 }),
    first_byte_timeout: T.Number({ exclusiveMinimum: 0, default: 120 }),
    stream_idle_timeout: T.Number({ exclusiveMinimum: 0, default: 120 }),
    total_timeout: T.Number({ exclusiveMinimum: 0, default: 600 }),
    /** Used for Anthropic upstreams when an OpenAI client sends no max_tokens (Anthropic requires one). */
    default_max_tokens: T.Integer({ minimum: 1, default: 4096 }),
    /** Upper bound of accounts tried for one request (failover). */
    max_attempts: T.Integer({ minimum: 1, default: 3 }),
  },
  { default: {} },
);

export const GatewayKey = T.Object({
  id: T.String(),
  name: T.String(),
  /** SHA-256 of the raw key, hex. The raw key is shown once, when created. */
  key_hash: T.String({ pattern: "^[0-9a-f]{64}$" }),
  /** First characters of the raw key, for recognising it in lists. Not a secret. */
  key_prefix: T.String(),
  permissions: T.Array(Permission, { default: ["read", "write"] }),
  status: Status,
  created_at: T.String(),
  expires_at: T.Optional(T.String()),
  /** Requests per minute; absent or 0 means unlimited. */
  rate_limit_rpm: T.Optional(T.Integer({ minimum: 0 })),
  /** Tokens (input + output) per minute; absent or 0 means unlimited. */
  rate_limit_tpm: T.Optional(T.Integer({ minimum: 0 })),
  /** Spend budgets in USD per UTC day / calendar month (from the usage ledger's prices); absent means none. */
  budget_usd_daily: T.Optional(T.Number({ minimum: 0 })),
  budget_usd_monthly: T.Optional(T.Number({ minimum: 0 })),
  /** Model patterns this key may ask for (exact, `prefix*`, `*`); absent means every model. */
  allowed_models: T.Optional(T.Array(T.String({ minLength: 1 }))),
});
export type GatewayKey = Static<typeof GatewayKey>;

export const OAuthSettings = T.Object({
  authorize_url: T.Optional(T.String()),
  token_url: T.Optional(T.String()),
  device_code_url: T.Optional(T.String()),
  client_id: T.Optional(T.String()),
  redirect_uri: T.Optional(T.String()),
  scopes: T.Optional(T.String()),
  /** Encrypted (enc:v1:…) token material. */
  access_token: T.Optional(T.String()),
  refresh_token: T.Optional(T.String()),
  expires_at: T.Optional(T.String()),
  needs_reauth: T.Optional(T.Boolean()),
});

export type OAuthSettings = Static<typeof OAuthSettings>;

export const UpstreamAccount = T.Object({
  id: T.String(),
  name: T.String(),
  type: T.Union([T.Literal("api-key"), T.Literal("oauth")], { default: "api-key" }),
  provider: Provider,
  /** Encrypted at rest: `enc:v1:…`. Never plaintext in the file. Vertex AI: the service account's JSON key. */
  api_key: T.Optional(T.String()),
  base_url: T.Optional(T.String()),
  /** Model patterns served: exact, `prefix*` or `*`. Absent: inferred from the provider. */
  models: T.Optional(T.Array(T.String())),
  /**
   * OpenAI, Azure and OpenAI-compatible accounts: model patterns served through `/v1/responses` instead of Chat
   * Completions. Absent: OpenAI's Responses-only models for openai and azure (src/providers/responses-models.ts),
   * none for openai-compatible.
   */
  responses_models: T.Optional(T.Array(T.String())),
  weight: T.Integer({ minimum: 0, default: 1 }),
  /** Lower number = higher tier. */
  priority: T.Integer({ default: 0 }),
  status: Status,
  created_at: T.String(),
  /** Azure: api-version query parameter. */
  api_version: T.Optional(T.String()),
  /** Requests converted from another dialect get their token limit clamped to this (the models' maximum). */
  max_output_tokens: T.Optional(T.Integer({ minimum: 1 })),
  /** false: the account's models do not reason, so converted requests to it carry no reasoning_effort. */
  reasoning: T.Optional(T.Boolean()),
  /**
   * OpenAI-dialect accounts: false for a server that rejects `stream_options` (some old vLLM and Ollama builds). The
   * gateway then never asks its streams for usage (by default it does, for every stream, so that each has a cost):
   * their tokens and cost stay unknown, and budgets and token limits cannot count them.
   */
  stream_usage: T.Optional(T.Boolean()),
  /**
   * Gemini: `native` (generateContent, the default) or `openai-compatible` (Google's OpenAI-compatible endpoint).
   * Absent: `openai-compatible` when base_url ends in `/openai`, else native.
   */
  gemini_api: T.Optional(T.Union([T.Literal("native"), T.Literal("openai-compatible")])),
  /** Vertex AI: the Google Cloud project (default: the service account's `project_id`). */
  project: T.Optional(T.String({ minLength: 1 })),
  /** Vertex AI: the location, e.g. `us-central1`, or `global`. */
  region: T.Optional(T.String({ minLength: 1, pattern: "^[a-z0-9-]+$" })),
  oauth: T.Optional(OAuthSettings),
  /** Spend caps in USD per UTC day / calendar month: over one, the account leaves rotation until the period resets. */
  spend_cap_usd_daily: T.Optional(T.Number({ minimum: 0 })),
  spend_cap_usd_monthly: T.Optional(T.Number({ minimum: 0 })),
});
export type UpstreamAccount = Static<typeof UpstreamAccount>;

export const ModelRoute = T.Object({
  id: T.String(),
  /** exact name, `prefix*`, or `*` */
  source_model: T.String({ minLength: 1 }),
  target_model: T.String({ minLength: 1 }),
  target_provider: T.Optional(Provider),
  priority: T.Integer({ default: 0 }),
  enabled: T.Boolean({ default: true }),
  /** How accounts are ordered for requests this route matches; absent: `routing.strategy`. */
  strategy: T.Optional(RoutingStrategy),
});
export type ModelRoute = Static<typeof ModelRoute>;

/**
 * Account selection, health and failover. Durations are seconds like everywhere in the file;
 * src/runtime/routing-options-from-config.ts converts them to the router's milliseconds. The strategy and
 * the sticky settings apply to the next request after a reload; breaker and cooldown settings at start.
 */
export const RoutingConfig = T.Object(
  {
    /** Global strategy; a model route's own `strategy` wins. */
    strategy: T.Optional(RoutingStrategy),
    /** The circuit breaker opens after this many consecutive failures (5xx, timeouts, connection failures)… */
    failure_threshold: T.Integer({ minimum: 1, default: 5 }),
    /** …or when this share of the requests within `error_rate_window` failed, once `min_requests` were seen. */
    error_rate_threshold: T.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
    error_rate_window: T.Number({ minimum: 1, default: 60 }),
    min_requests: T.Integer({ minimum: 1, default: 10 }),
    /** First open period; doubles on every failed half-open probe up to `max_open_time`. */
    base_open_time: T.Number({ minimum: 0, default: 10 }),
    max_open_time: T.Number({ minimum: 0, default: 300 }),
    /** Cooldown after a 429 without Retry-After or reset headers. */
    rate_limit_cooldown: T.Number({ minimum: 0, default: 30 }),
    /** Cooldown after a 529 overload without Retry-After. */
    overload_cooldown: T.Number({ minimum: 0, default: 10 }),
    /** Cooldown after a spend-limit or billing refusal (402). */
    billing_cooldown: T.Number({ minimum: 0, default: 600 }),
    /** Bounds for header-given cooldowns (`Retry-After: 0` is not "hammer it"; a daily reset does not park an account for a day). */
    min_cooldown: T.Number({ minimum: 0, default: 1 }),
    max_cooldown: T.Number({ minimum: 0, default: 900 }),
    sticky: T.Object(
      {
        /** Keep one conversation on one account while it is healthy (warm provider prompt caches). */
        enabled: T.Boolean({ default: true }),
        /** Headers that carry a session key, checked before Anthropic `metadata.user_id` and OpenAI `user`. */
        headers: T.Array(T.String({ minLength: 1 }), { default: [...DEFAULT_SESSION_HEADERS] }),
        /** Idle bindings are forgotten after this many seconds. */
        ttl: T.Number({ minimum: 0, default: 3600 }),
      },
      { default: {} },
    ),
    /** Seconds between active health probes of failing accounts; 0 = off (health is learned from traffic only). */
    probe_interval: T.Number({ minimum: 0, default: 0 }),
    /**
     * When every account for a model is out and some only because their circuit breaker is open, try those (the
     * soonest to reopen first) instead of refusing the request. false: answer 503 with Retry-After.
     */
    panic_mode: T.Boolean({ default: true }),
  },
  { default: {} },
);
export type RoutingConfig = Static<typeof RoutingConfig>;

export const LoggingConfig = T.Object(
  {
    level: T.Union([T.Literal("debug"), T.Literal("info"), T.Literal("warn"), T.Literal("error")], { default: "info" }),
    format: T.Union([T.Literal("json"), T.Literal("pretty")], { default: "json" }),
  },
  { default: {} },
);

export const EnvironmentConfig = T.Object(
  {
    http_proxy: T.String({ default: "" }),
    https_proxy: T.String({ default: "" }),
    no_proxy: T.String({ default: "localhost,127.0.0.1,::1" }),
  },
  { default: {} },
);
export const ENV_NAMES = ["http_proxy", "https_proxy", "no_proxy"] as const;
export type EnvName = (typeof ENV_NAMES)[number];

/** Prices in USD per million tokens. Reasoning tokens are billed as output. */
export const ModelPrice = T.Object({
  input: T.Number({ minimum: 0 }),
  output: T.Number({ minimum: 0 }),
  /** Cached prompt tokens read; absent: the input price. */
  cache_read: T.Optional(T.Number({ minimum: 0 })),
  /** Prompt tokens written to the cache; absent: the input price. */
  cache_write: T.Optional(T.Number({ minimum: 0 })),
});
export type ModelPrice = Static<typeof ModelPrice>;

/**
 * The usage ledger: one row per client request in SQLite (a file beside the config) or PostgreSQL
 * (`database_url`). See docs/USAGE_LEDGER.md. Durations are seconds.
 */
export const UsageConfig = T.Object(
  {
    enabled: T.Boolean({ default: true }),
    /**
     * `postgres://…` to keep the ledger in PostgreSQL; empty: SQLite at `path`. A URL with a user or password is
     * stored sealed (`enc:v1:…`) by the next write through the CLI (src/config/url-credentials.ts).
     */
    database_url: T.String({ default: "", pattern: "^(postgres|postgresql)://|^enc:v\\d+:|^$" }),
    /** The SQLite file; empty: `usage.db` beside the config file. */
    path: T.String({ default: "" }),
    /** Days request rows are kept; hourly and daily totals are kept `rollup_retention_days`. */
    retention_days: T.Integer({ minimum: 1, default: 90 }),
    rollup_retention_days: T.Integer({ minimum: 1, default: 800 }),
    /** Rows are written at least this often (seconds)… */
    flush_interval: T.Number({ exclusiveMinimum: 0, maximum: 60, default: 1 }),
    /**
     * …or as soon as this many are waiting. SQLite writes a row for less in larger transactions (bench/README.md
     * "Usage ledger"); at 2,000 requests a second a batch is a second's traffic, at 20,000 a tenth of one.
     */
    batch_size: T.Integer({ minimum: 1, maximum: 5000, default: 2000 }),
    /** Rows kept in memory while the database cannot take them; past this, new rows are dropped (and counted). */
    buffer_size: T.Integer({ minimum: 1, default: 100000 }),
    /** Per-model prices, over the built-in table (exact model names, lower case). */
    prices: T.Record(T.String({ minLength: 1 }), ModelPrice, { default: {} }),
  },
  { default: {} },
);
export type UsageConfig = Static<typeof UsageConfig>;

/**
 * Where the state that several gateway processes must agree on lives (docs/ARCHITECTURE.md "Several instances"):
 * request and token windows, spend, account health, sticky sessions, OAuth refresh locks, admin sessions, kept
 * Responses answers and, across machines, the configuration itself. Read at start. Durations are seconds.
 */
export const StateConfig = T.Object(
  {
    /**
     * `redis://[user:pass@]host:port/db` (or `rediss://` for TLS): cluster mode through Redis. Empty: this process's
     * memory (one instance; `server start --workers N` shares through its supervisor). LLM_GATEWAY_REDIS_URL wins
     * over it. A URL with a user or password is stored sealed (`enc:v1:…`) by the next write through the CLI.
     */
    redis_url: T.String({ default: "", pattern: "^(redis|rediss|redis\\+tls|redis\\+unix|redis\\+tls\\+unix|valkey|valkeys)://|^enc:v\\d+:|^$" }),
    /** Every key and channel of this gateway in Redis starts with this (several gateways may share one Redis). */
    key_prefix: T.String({ default: "llm-gateway", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" }),
    /**
     * Longest wait for one Redis operation (seconds). Past it, the operation falls back to this process's state, the
     * shared state is marked degraded, and the connection is made again in the background.
     */
    timeout: T.Number({ exclusiveMinimum: 0, maximum: 5, default: 0.25 }),
  },
  { default: {} },
);
export type StateConfig = Static<typeof StateConfig>;

export const Config = T.Object(
  {
    server: ServerConfig,
    proxy: ProxyConfig,
    gateway_keys: T.Array(GatewayKey, { default: [] }),
    upstream_accounts: T.Array(UpstreamAccount, { default: [] }),
    model_routes: T.Array(ModelRoute, { default: [] }),
    routing: RoutingConfig,
    logging: LoggingConfig,
    environment: EnvironmentConfig,
    usage: UsageConfig,
    state: StateConfig,
  },
  { additionalProperties: false },
);
export type Config = Static<typeof Config>;
