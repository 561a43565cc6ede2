import type { Config } from "../config/schema.ts";
import { matchModel } from "../routing/match-model.ts";
import { servesModel } from "../routing/serves-model.ts";

export interface ServedModel {
  id: string;
  /** Provider of the first account (or route) that serves it. */
  ownedBy: string;
}

const isPattern = (name: string) => name.includes("*");

/**
 * The models the gateway can serve right now: every concrete name in an enabled account's `models` list, and
 * every exact `source_model` of an enabled route. Patterns (`claude-*`, `*`) name no model, so they are not listed.
 */
export function listServedModels(config: Config): ServedModel[] {
  const seen = new Map<string, ServedModel>();
  for (const a of config.upstream_accounts) {
    if (a.status !== "active") continue;
    for (const m of a.models ?? []) if (!isPattern(m) && !seen.has(m)) seen.set(m, { id: m, ownedBy: a.provider });
  }
  for (const r of config.model_routes) {
    if (!r.enabled || isPattern(r.source_model) || seen.has(r.source_model)) continue;
    seen.set(r.source_model, { id: r.source_model, ownedBy: r.target_provider ?? "llm-gateway" });
  }
  return [...seen.values()].sort((x, y) => x.id.localeCompare(y.id));
}

/** One model in OpenAI's shape (`GET /v1/models/{id}`). */
export const openaiModel = (m: ServedModel) => ({ id: m.id, object: "model", created: 0, owned_by: m.ownedBy });

/** OpenAI's list shape (src/dialects/README.md "OpenAI Chat Completions"). */
export const openaiModelList = (models: ServedModel[]) => ({ object: "list", data: models.map(openaiModel) });

/** One model in Anthropic's shape. */
export const anthropicModel = (m: ServedModel) => ({ type: "model", id: m.id, display_name: m.id, created_at: "1970-01-01T00:00:00Z" });

/** Anthropic's list shape (src/dialects/README.md "Anthropic Messages"), for requests that carry `anthropic-version`. */
export const anthropicModelList = (models: ServedModel[]) => ({
  data: models.map(anthropicModel),
  has_more: false,
  first_id: models[0]?.id ?? null,
  last_id: models.at(-1)?.id ?? null,
});

/** One model in Google's shape (src/dialects/README.md "Gemini"): `name` is `models/<id>`. */
export const geminiModel = (m: ServedModel) => ({
  name: `models/${m.id}`,
  baseModelId: m.id,
  version: "001",
  displayName: m.id,
  supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
});

/** Google's list shape for Gemini clients (`GET /v1beta/models`): one page, no `nextPageToken`. */
export const geminiModelList = (models: ServedModel[]) => ({ models: models.map(geminiModel) });

/**
 * A model by name (`GET /v1beta/models/{model}`): a listed one, or any name an enabled account or route serves (a
 * pattern such as `gemini-*` lists nothing but serves many); undefined otherwise.
 */
export function findServedModel(config: Config, id: string): ServedModel | undefined {
  const listed = listServedModels(config).find((m) => m.id === id);
  if (listed) return listed;
  const route = config.model_routes.find((r) => r.enabled && matchModel(r.source_model, id) !== undefined);
  if (route) return { id, ownedBy: route.target_provider ?? "llm-gateway" };
  const account = config.upstream_accounts.find((a) => a.status === "active" && servesModel(a, id));
  return account ? { id, ownedBy: account.provider } : undefined;
}
