import { DIALECT_ENDPOINT, type ProviderSpec } from "./provider.ts";

/** URL scheme the transport recognises and answers in-process with mockFetch. */
export const MOCK_ORIGIN = "http://mock.llm-gateway.invalid";

/** The mock speaks every dialect natively, so a client is always served without conversion. */
export const mock: ProviderSpec = {
  id: "mock",
  defaultBaseUrl: MOCK_ORIGIN,
  dialectFor: (client) => client,
  target(_account, { dialect, countTokens, model, stream }) {
    if (dialect === "gemini") {
      const method = countTokens ? "countTokens" : stream ? "streamGenerateContent?alt=sse" : "generateContent";
      return { url: `${MOCK_ORIGIN}/v1beta/models/${encodeURIComponent(model)}:${method}`, headers: { "content-type": "application/json" } };
    }
    const endpoint = countTokens ? "/messages/count_tokens" : DIALECT_ENDPOINT[dialect];
    return { url: `${MOCK_ORIGIN}/v1${endpoint}`, headers: { "content-type": "application/json" } };
  },
};
