/** The admin API's answers, as the server's TypeBox schemas define them (types only: nothing of the server is bundled). */
export type {
  AdminAccount,
  AdminEnvironment,
  AdminKey,
  AdminRecentRequest,
  MetricsSummary,
  OAuthLogin,
  SessionAnswer,
} from "../server/admin/admin-schemas.ts";
export type { ModelRoute } from "../config/schema.ts";
export type { UsageDocument } from "../usage/usage-document.ts";
export type { HealthDocument } from "../server/health-document.ts";
