import { describe, expect, test } from "bun:test";
import { parsePastedCode, startAuthorization, verifyState } from "./anthropic-authorize.ts";
import { ANTHROPIC_OAUTH_DEFAULTS } from "./defaults.ts";
import { OAuthError } from "./oauth-error.ts";
import { codeChallengeS256 } from "./pkce.ts";

describe("startAuthorization", () => {
  test("builds the authorize URL with the parameters of Anthropic's own login", () => {
    const s = startAuthorization(ANTHROPIC_OAUTH_DEFAULTS);
    const url = new URL(s.url);
    expect(`${url.origin}${url.pathname}`).toBe("https://claude.ai/oauth/authorize");
    expect([...url.searchParams.keys()]).toEqual([
      "code",
      "client_id",
      "response_type",
      "redirect_uri",
      "scope",
      "code_challenge",
      "code_challenge_method",
      "state",
    ]);
    const q = url.searchParams;
    expect(q.get("code")).toBe("true");
    expect(q.get("client_id")).toBe("9d1c250a-e61b-44d9-88ed-5944d1962f5e");
    expect(q.get("response_type")).toBe("code");
    expect(q.get("redirect_uri")).toBe("https://console.anthropic.com/oauth/code/callback");
    expect(q.get("scope")).toBe("org:create_api_key user:profile user:inference");
    expect(q.get("code_challenge")).toBe(codeChallengeS256(s.codeVerifier));
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("state")).toBe(s.state);
    // The verifier is the secret half: it must not be in the URL the user sees.
    expect(s.url).not.toContain(s.codeVerifier);
  });

  test("needs an authorize URL and redirect URI", () => {
    expect(() => startAuthorization({ ...ANTHROPIC_OAUTH_DEFAULTS, authorizeUrl: undefined })).toThrow();
  });
});

describe("parsePastedCode", () => {
  test("CODE#STATE as the callback page shows it, with stray whitespace or quotes", () => {
    expect(parsePastedCode("abc123#st-1")).toEqual({ code: "abc123", state: "st-1" });
    expect(parsePastedCode("  abc123#st-1\n")).toEqual({ code: "abc123", state: "st-1" });
    expect(parsePastedCode('"abc123#st-1"')).toEqual({ code: "abc123", state: "st-1" });
  });

  test("a whole callback URL, in the query or the fragment", () => {
    expect(parsePastedCode("https://console.anthropic.com/oauth/code/callback?code=c1&state=s1")).toEqual({ code: "c1", state: "s1" });
    expect(parsePastedCode("http://127.0.0.1/cb#code=c2&state=s2")).toEqual({ code: "c2", state: "s2" });
  });

  test("strips anything after & in either part; no state when none was pasted", () => {
    expect(parsePastedCode("c3&x=1#s3&y=2")).toEqual({ code: "c3", state: "s3" });
    expect(parsePastedCode("c4")).toEqual({ code: "c4", state: undefined });
  });

  test("rejects empty input and URLs without a code", () => {
    expect(() => parsePastedCode("   ")).toThrow("no authorization code");
    expect(() => parsePastedCode("https://x.example/cb?state=s")).toThrow("no code parameter");
  });
});

describe("verifyState", () => {
  test("accepts the same state; rejects a different or missing one with invalid_state", () => {
    verifyState({ state: "abc" }, "abc");
    for (const bad of ["abd", "ab", undefined]) {
      let err: unknown;
      try {
        verifyState({ state: "abc" }, bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OAuthError);
      expect((err as OAuthError).oauthError).toBe("invalid_state");
      expect((err as OAuthError).status).toBe(400);
    }
  });
});
