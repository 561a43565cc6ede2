import { Type as T, type Static, type TSchema } from "@sinclair/typebox";
import { EnvironmentConfig, GatewayKey, ModelRoute, Permission, PROVIDERS, ROUTING_STRATEGIES, UpstreamAccount } from "../../config/schema.ts";
import { MinuteTotals, RecentRequest } from "../../usage/request-feed.ts";

/**
 * The admin API's bodies and answers (`/admin/api/…`), one TypeBox schema each: the handlers check bodies against
 * them, the answers are typed by them, and /swagger/json documents them. Bodies refuse unknown fields. No answer
 * carries a secret: gateway keys without their hash, upstream keys masked, OAuth accounts as a state and an expiry,
 * proxy URLs with their password masked.
 */
const Nullable = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);
const Name = T.String({ minLength: 1, maxLength: 200 });
const Models = T.Array(T.String({ minLength: 1, maxLength: 200 }), { maxItems: 200, description: "Model patterns: exact, prefix* or *" });
const Usd = T.Number({ exclusiveMinimum: 0, maximum: 1e9 });
const ProviderName = T.String({ description: `${PROVIDERS.join(", ")} (google = gemini)` });
const Strategy = T.Union(ROUTING_STRATEGIES.map((s) => T.Literal(s)));
const body = <P extends Record<string, TSchema>>(props: P) => T.Object(props, { additionalProperties: false });

export const LoginBody = body({ key: T.String({ minLength: 1, maxLength: 1024, description: "A gateway key with the admin permission" }) });
export type LoginBody = Static<typeof LoginBody>;

export const SessionAnswer = T.Object({
  key: T.Object({ id: T.String(), name: T.String() }),
  /** Send it back as `x-csrf-token` with every change made with the session cookie. Absent for bearer callers. */
  csrf_token: T.Optional(T.String()),
  expires_at: T.Optional(T.String()),
});
export type SessionAnswer = Static<typeof SessionAnswer>;

const keyLimits = {
  rate_limit_rpm: T.Integer({ minimum: 0, description: "Requests per minute (0: unlimited)" }),
  rate_limit_tpm: T.Integer({ minimum: 0, description: "Tokens per minute (0: unlimited)" }),
  budget_usd_daily: Usd,
  budget_usd_monthly: Usd,
  allowed_models: Models,
};

export const KeyCreateBody = body({
  name: Name,
  permissions: T.Optional(T.Array(Permission, { minItems: 1 })),
  expires_at: T.Optional(T.String({ description: "ISO time; absent: never" })),
  rate_limit_rpm: T.Optional(keyLimits.rate_limit_rpm),
  rate_limit_tpm: T.Optional(keyLimits.rate_limit_tpm),
  budget_usd_daily: T.Optional(keyLimits.budget_usd_daily),
  budget_usd_monthly: T.Optional(keyLimits.budget_usd_monthly),
  allowed_models: T.Optional(keyLimits.allowed_models),
});
export type KeyCreateBody = Static<typeof KeyCreateBody>;

export const KeyUpdateBody = body({
  name: T.Optional(Name),
  permissions: T.Optional(T.Array(Permission, { minItems: 1 })),
  status: T.Optional(T.Union([T.Literal("active"), T.Literal("disabled")])),
  expires_at: T.Optional(Nullable(T.String())),
  rate_limit_rpm: T.Optional(Nullable(keyLimits.rate_limit_rpm)),
  rate_limit_tpm: T.Optional(Nullable(keyLimits.rate_limit_tpm)),
  budget_usd_daily: T.Optional(Nullable(keyLimits.budget_usd_daily)),
  budget_usd_monthly: T.Optional(Nullable(keyLimits.budget_usd_monthly)),
  allowed_models: T.Optional(Nullable(keyLimits.allowed_models)),
});
export type KeyUpdateBody = Static<typeof KeyUpdateBody>;

export const AdminKey = T.Composite([
  T.Omit(GatewayKey, ["key_hash"]),
  T.Object({ state: T.Union([T.Literal("active"), T.Literal("disabled"), T.Literal("expired")]) }),
]);
export type AdminKey = Static<typeof AdminKey>;
export const KeyCreated = T.Object({
  key: AdminKey,
  secret: T.String({ description: "The new key: shown this once, never stored (only its SHA-256 is)" }),
});

export const AccountCreateBody = body({
  name: Name,
  provider: ProviderName,
  api_key: T.Optional(T.String({ maxLength: 16384, description: "Stored encrypted; never shown again (masked). Vertex AI: the service account's JSON key file" })),
  base_url: T.Optional(T.String({ maxLength: 2048 })),
  models: T.Optional(Models),
  weight: T.Optional(T.Integer({ minimum: 0 })),
  priority: T.Optional(T.Integer()),
  api_version: T.Optional(T.String({ maxLength: 100 })),
  gemini_api: T.Optional(T.Union([T.Literal("native"), T.Literal("openai-compatible")], { description: "Gemini: generateContent (native, the default) or Google's OpenAI-compatible endpoint" })),
  project: T.Optional(T.String({ minLength: 1, maxLength: 200, description: "Vertex AI: the Google Cloud project (default: the key's project_id)" })),
  region: T.Optional(T.String({ minLength: 1, maxLength: 100, description: "Vertex AI: the location, e.g. us-central1 (default: global)" })),
  spend_cap_usd_daily: T.Optional(Usd),
  spend_cap_usd_monthly: T.Optional(Usd),
});
export type AccountCreateBody = Static<typeof AccountCreateBody>;

export const AccountUpdateBody = body({
  name: T.Optional(Name),
  status: T.Optional(T.Union([T.Literal("active"), T.Literal("disabled")])),
  models: T.Optional(Nullable(Models)),
  weight: T.Optional(T.Integer({ minimum: 0 })),
  priority: T.Optional(T.Integer()),
  spend_cap_usd_daily: T.Optional(Nullable(Usd)),
  spend_cap_usd_monthly: T.Optional(Nullable(Usd)),
});
export type AccountUpdateBody = Static<typeof AccountUpdateBody>;

export const AccountHealth = T.Object({
  state: T.String({ description: "healthy, cooling, circuit_open, half_open, auth_failed, or disabled" }),
  reason: T.Optional(T.String()),
  detail: T.Optional(T.String()),
  until: T.Optional(T.String()),
  consecutive_failures: T.Optional(T.Integer()),
});

export const AdminAccount = T.Composite([
  T.Omit(UpstreamAccount, ["api_key", "oauth"]),
  T.Object({
    api_key: T.Optional(T.String({ description: "Masked: the first and last characters only" })),
    oauth: T.Optional(
      T.Object({
        state: T.String({ description: "not_authorized, authorized, expiring, expired, needs_reauth" }),
        expires_at: T.Optional(T.String()),
        can_refresh: T.Boolean(),
      }),
    ),
    health: AccountHealth,
  }),
]);
export type AdminAccount = Static<typeof AdminAccount>;

export const RouteCreateBody = body({
  source_model: T.String({ minLength: 1, maxLength: 200 }),
  target_model: T.String({ minLength: 1, maxLength: 200 }),
  target_provider: T.Optional(ProviderName),
  priority: T.Optional(T.Integer()),
  enabled: T.Optional(T.Boolean()),
  strategy: T.Optional(Strategy),
});
export type RouteCreateBody = Static<typeof RouteCreateBody>;

export const RouteUpdateBody = body({
  source_model: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
  target_model: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
  target_provider: T.Optional(Nullable(ProviderName)),
  priority: T.Optional(T.Integer()),
  enabled: T.Optional(T.Boolean()),
  strategy: T.Optional(Nullable(Strategy)),
});
export type RouteUpdateBody = Static<typeof RouteUpdateBody>;

export const AdminRoute = ModelRoute;

export const EnvironmentBody = body({
  http_proxy: T.Optional(Nullable(T.String({ maxLength: 2048, description: "Proxy URL for http:// upstreams; empty: none; null: the default" }))),
  https_proxy: T.Optional(Nullable(T.String({ maxLength: 2048, description: "Proxy URL for https:// upstreams; empty: none; null: the default" }))),
  no_proxy: T.Optional(Nullable(T.String({ maxLength: 4096, description: "Comma list of hosts never proxied; null: the default" }))),
});
export type EnvironmentBody = Static<typeof EnvironmentBody>;
export const AdminEnvironment = T.Object(
  { http_proxy: EnvironmentConfig.properties.http_proxy, https_proxy: EnvironmentConfig.properties.https_proxy, no_proxy: EnvironmentConfig.properties.no_proxy },
  { description: "Proxy URLs with their password masked" },
);
export type AdminEnvironment = Static<typeof AdminEnvironment>;

export const OAuthStartBody = body({
  account_id: T.Optional(T.String({ description: "Log this OAuth account in again; absent: add a new one (name, provider)" })),
  name: T.Optional(Name),
  provider: T.Optional(T.Union([T.Literal("anthropic"), T.Literal("openai-compatible")], { description: "anthropic: code paste; openai-compatible: device code (Qwen)" })),
  models: T.Optional(Models),
  weight: T.Optional(T.Integer({ minimum: 0 })),
  priority: T.Optional(T.Integer()),
  oauth: T.Optional(
    body({
      authorize_url: T.Optional(T.String({ maxLength: 2048 })),
      token_url: T.Optional(T.String({ maxLength: 2048 })),
      device_code_url: T.Optional(T.String({ maxLength: 2048 })),
      client_id: T.Optional(T.String({ maxLength: 512 })),
      redirect_uri: T.Optional(T.String({ maxLength: 2048 })),
      scopes: T.Optional(T.String({ maxLength: 1024 })),
    }),
  ),
});
export type OAuthStartBody = Static<typeof OAuthStartBody>;
export const OAuthFinishBody = body({ code: T.String({ minLength: 1, maxLength: 4096, description: "CODE#STATE as the authorize page shows it, or the callback URL" }) });
export type OAuthFinishBody = Static<typeof OAuthFinishBody>;

export const OAuthLogin = T.Object({
  id: T.String(),
  account_id: T.String(),
  flow: T.Union([T.Literal("code-paste"), T.Literal("device-code")]),
  status: T.Union([T.Literal("waiting"), T.Literal("logged_in"), T.Literal("failed")]),
  /** code-paste: open it, approve, paste the CODE#STATE shown. */
  authorize_url: T.Optional(T.String()),
  /** device-code: enter user_code at verification_uri; the gateway polls. */
  user_code: T.Optional(T.String()),
  verification_uri: T.Optional(T.String()),
  verification_uri_complete: T.Optional(T.String()),
  expires_at: T.String(),
  error: T.Optional(T.String()),
});
export type OAuthLogin = Static<typeof OAuthLogin>;

export const AdminRecentRequest = T.Composite([
  RecentRequest,
  T.Object({ key_name: T.Optional(T.String()), account_name: T.Optional(T.String()) }),
]);
export type AdminRecentRequest = Static<typeof AdminRecentRequest>;
export const RecentRequests = T.Object({ requests: T.Array(AdminRecentRequest) });

export const MetricsSummary = T.Object({
  version: T.String(),
  uptime_s: T.Integer(),
  totals: T.Object(
    { requests: T.Integer(), errors: T.Integer(), input_tokens: T.Integer(), output_tokens: T.Integer() },
    { description: "Since the gateway started" },
  ),
  minutes: T.Array(MinuteTotals, { description: "The last 60 minutes, oldest first" }),
  accounts: T.Object({ healthy: T.Integer(), total: T.Integer() }),
});
export type MetricsSummary = Static<typeof MetricsSummary>;

export const Deleted = T.Object({ id: T.String(), deleted: T.Literal(true) });
