import { DIALECT_ENDPOINT, type ProviderSpec } from "./provider.ts";

const DEFAULT_API_VERSION = "2024-10-21";

/**
 * Azure OpenAI (src/dialects/README.md "OpenAI Chat Completions"). A base URL whose path contains `/openai/v1` is the v1 shape (model in the body);
 * otherwise the classic deployment shape, where the routed model name is the deployment and api-version is required.
 */
export const azure: ProviderSpec = {
  id: "azure",
  defaultBaseUrl: "https://example-resource.openai.azure.com",
  dialectFor: (client) => (client === "openai-completions" ? "openai-completions" : "openai-chat"),
  target(account, { dialect, model, credential }) {
    const base = new URL(account.base_url ?? this.defaultBaseUrl);
    const root = base.pathname.replace(/\/+$/, "");
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (credential) headers["api-key"] = credential;
    if (root.includes("/openai/v1")) {
      base.pathname = root + DIALECT_ENDPOINT[dialect];
    } else {
      base.pathname = `${root}/openai/deployments/${encodeURIComponent(model)}${DIALECT_ENDPOINT[dialect]}`;
      base.searchParams.set("api-version", account.api_version ?? DEFAULT_API_VERSION);
    }
    return { url: base.toString(), headers };
  },
};
