import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { ANTHROPIC_OAUTH_DEFAULTS, QWEN_OAUTH_DEFAULTS, resolveOAuthClient } from "./defaults.ts";

describe("resolveOAuthClient", () => {
  test("Anthropic defaults are those of Anthropic's own login; every endpoint can be overridden per account", () => {
    expect(resolveOAuthClient({ id: "a", provider: "anthropic" })).toEqual(ANTHROPIC_OAUTH_DEFAULTS);
    const c = resolveOAuthClient({
      id: "a",
      provider: "anthropic",
      oauth: { token_url: "http://127.0.0.1:1/t", authorize_url: "http://127.0.0.1:1/a", client_id: "c", redirect_uri: "r", scopes: "s" },
    });
    expect(c).toMatchObject({ tokenUrl: "http://127.0.0.1:1/t", authorizeUrl: "http://127.0.0.1:1/a", clientId: "c", redirectUri: "r", scopes: "s" });
    expect(c.flow).toBe("authorization-code");
    expect(c.bodyEncoding).toBe("json");
  });

  test("an openai-compatible OAuth account is Qwen's device flow", () => {
    const c = resolveOAuthClient({ id: "q", provider: "openai-compatible" });
    expect(c).toEqual(QWEN_OAUTH_DEFAULTS);
    expect(c.deviceCodeUrl).toBe("https://chat.qwen.ai/api/v1/oauth2/device/code");
    expect(c.tokenUrl).toBe("https://chat.qwen.ai/api/v1/oauth2/token");
  });

  test("providers without defaults need token_url and client_id", () => {
    expect(() => resolveOAuthClient({ id: "o", provider: "openai" })).toThrow(ConfigError);
    const c = resolveOAuthClient({ id: "o", provider: "openai", oauth: { token_url: "t", client_id: "c", device_code_url: "d" } });
    expect(c.flow).toBe("device-code");
    expect(c.bodyEncoding).toBe("form");
  });
});
