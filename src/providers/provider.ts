import type { Provider, UpstreamAccount } from "../config/schema.ts";
import type { DialectName } from "../dialects/types.ts";

/** What the gateway needs to call one upstream: a pure description, no I/O. */
export interface UpstreamTarget {
  url: string;
  headers: Record<string, string>;
}

export interface BuildOptions {
  /** The wire format of the body being sent. */
  dialect: DialectName;
  /** Model name the upstream should see (after routes). */
  model: string;
  /** The decrypted credential (API key or OAuth access token); undefined for keyless accounts. */
  credential: string | undefined;
  /** The client's request headers, for the few that are forwarded (anthropic-version, anthropic-beta). */
  clientHeaders: Headers;
  /** `/v1/messages/count_tokens` (Gemini: `:countTokens`) instead of the dialect's main endpoint. */
  countTokens?: boolean;
  /** A streaming request: Gemini's endpoint says so in the URL (`:streamGenerateContent?alt=sse`). */
  stream?: boolean;
}

export interface ProviderSpec {
  id: Provider;
  defaultBaseUrl: string;
  /** OpenAI-dialect upstreams: the field that carries a converted request's token limit (default max_tokens). */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /**
   * The dialect this upstream speaks when a client speaks `client` (Gemini: also per account, `gemini_api`). With
   * the routed `model` too, OpenAI-family accounts pick the Responses API for the models listed for it
   * (responses-models.ts); without it, Chat Completions (or legacy Completions for such clients).
   */
  dialectFor(client: DialectName, account?: UpstreamAccount, model?: string): DialectName;
  /** A new object on every call, headers included: the caller adds its own headers to it in place. */
  target(account: UpstreamAccount, opts: BuildOptions): UpstreamTarget;
}

export const DIALECT_ENDPOINT: Record<DialectName, string> = {
  "openai-chat": "/chat/completions",
  "openai-completions": "/completions",
  "anthropic-messages": "/messages",
  // Gemini's endpoint names the model (`/models/{model}:generateContent`, src/providers/gemini.ts); this is the
  // collection it lives in, which is also the model list.
  gemini: "/models",
  "openai-responses": "/responses",
};
