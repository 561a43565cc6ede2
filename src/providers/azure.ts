import { openaiFamilyDialect } from "./openai.ts";
import { DIALECT_ENDPOINT, type ProviderSpec } from "./provider.ts";

const DEFAULT_API_VERSION = "2024-10-21";
/** The Responses API needs a newer api-version than Chat; an account's older one is not used for it. */
const RESPONSES_API_VERSION = "2025-04-01-preview";
const FIRST_RESPONSES_API_VERSION = "2025-03-01";

/**
 * Azure OpenAI (src/dialects/README.md "OpenAI Chat Completions"). A base URL whose path contains `/openai/v1` is the v1 shape (model in the body);
 * otherwise the classic deployment shape, where the routed model name is the deployment and api-version is required.
 */
export const azure: ProviderSpec = {
  id: "azure",
  defaultBaseUrl: "https://example-resource.openai.azure.com",
  dialectFor: openaiFamilyDialect,
  target(account, { dialect, model, credential }) {
    const base = new URL(account.base_url ?? this.defaultBaseUrl);
    const root = base.pathname.replace(/\/+$/, "");
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (credential) headers["api-key"] = credential;
    if (root.includes("/openai/v1")) {
      base.pathname = root + DIALECT_ENDPOINT[dialect];
    } else if (dialect === "openai-responses") {
      // The Responses API is not under a deployment: the deployment is the body's model.
      const v = account.api_version;
      base.pathname = `${root}/openai/responses`;
      base.searchParams.set("api-version", v !== undefined && v.slice(0, 10) >= FIRST_RESPONSES_API_VERSION ? v : RESPONSES_API_VERSION);
    } else {
      base.pathname = `${root}/openai/deployments/${encodeURIComponent(model)}${DIALECT_ENDPOINT[dialect]}`;
      base.searchParams.set("api-version", account.api_version ?? DEFAULT_API_VERSION);
    }
    return { url: base.toString(), headers };
  },
};
