import type { EditOptions, FieldNames } from "../config/edits/edit-error.ts";

/** The CLI's names for config fields, so that messages from src/config/edits/ name the option the user typed. */
export const KEY_OPTION_NAMES: FieldNames = {
  name: "--name",
  permissions: "--permissions",
  expires_at: "--expires-in",
  rate_limit_rpm: "--rpm",
  rate_limit_tpm: "--tpm",
  budget_usd_daily: "--budget-usd",
  budget_usd_monthly: "--budget-usd",
  allowed_models: "--models",
};

export const ACCOUNT_OPTION_NAMES: FieldNames = {
  name: "--name",
  provider: "--provider",
  api_key: "--key",
  base_url: "--base-url",
  models: "--models",
  weight: "--weight",
  priority: "--priority",
  api_version: "--api-version",
  spend_cap_usd_daily: "--spend-cap-usd",
  spend_cap_usd_monthly: "--spend-cap-usd",
};

export const ROUTE_OPTION_NAMES: FieldNames = {
  source_model: "--from",
  target_model: "--to",
  target_provider: "--provider",
  priority: "--priority",
  strategy: "--strategy",
};

export const ENV_OPTION_NAMES: FieldNames = { http_proxy: "--http-proxy", https_proxy: "--https-proxy", no_proxy: "--no-proxy" };

/** How an add or rename through the CLI is told to go ahead with a name in use. */
export const cliEdit = (names: FieldNames, force: boolean): EditOptions => ({ names, force, forceHint: "add --force to add one more" });
