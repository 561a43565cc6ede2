import type { Provider } from "../config/schema.ts";
import { anthropic } from "./anthropic.ts";
import { azure } from "./azure.ts";
import { mock } from "./mock-provider.ts";
import { gemini } from "./gemini.ts";
import { vertex } from "./vertex.ts";
import { openai, openaiCompatible } from "./openai.ts";
import type { ProviderSpec } from "./provider.ts";

export const providers: Record<Provider, ProviderSpec> = {
  anthropic,
  openai,
  azure,
  gemini,
  vertex,
  "openai-compatible": openaiCompatible,
  mock,
};
