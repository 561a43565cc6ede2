import { expect, test } from "bun:test";
import { proxyForUrl } from "./proxy-for-url.ts";

const env = { http_proxy: "http://proxy:8080", https_proxy: "http://secure-proxy:8443", no_proxy: "localhost,127.0.0.1,::1,.internal.example,api.local:9000" };

test("https uses https_proxy, http uses http_proxy", () => {
  expect(proxyForUrl(new URL("https://api.anthropic.com/v1/messages"), env)).toBe("http://secure-proxy:8443");
  expect(proxyForUrl(new URL("http://example.com/"), env)).toBe("http://proxy:8080");
});

test("https falls back to http_proxy when only that is set", () => {
  expect(proxyForUrl(new URL("https://x.example/"), { ...env, https_proxy: "" })).toBe("http://proxy:8080");
});

test("no_proxy: exact hosts, domain suffixes, IPv6, ports, and *", () => {
  expect(proxyForUrl(new URL("http://localhost:3000/"), env)).toBeUndefined();
  expect(proxyForUrl(new URL("http://[::1]:3000/"), env)).toBeUndefined();
  expect(proxyForUrl(new URL("https://svc.internal.example/"), env)).toBeUndefined();
  expect(proxyForUrl(new URL("https://internal.example/"), env)).toBeUndefined();
  expect(proxyForUrl(new URL("http://api.local:9000/"), env)).toBeUndefined();
  expect(proxyForUrl(new URL("http://api.local:9001/"), env)).toBe("http://proxy:8080");
  expect(proxyForUrl(new URL("https://anything/"), { ...env, no_proxy: "*" })).toBeUndefined();
});

test("no proxy configured → direct", () => {
  expect(proxyForUrl(new URL("https://api.openai.com/"), { http_proxy: "", https_proxy: "", no_proxy: "" })).toBeUndefined();
});

test("a URL given as text is judged the same (the upstream call passes its target URL as is)", () => {
  expect(proxyForUrl("https://api.anthropic.com/v1/messages", env)).toBe("http://secure-proxy:8443");
  expect(proxyForUrl("HTTPS://x.example/", { ...env, https_proxy: "" })).toBe("http://proxy:8080");
  expect(proxyForUrl("http://api.local:9000/v1", env)).toBeUndefined();
  expect(proxyForUrl("http://api.local:9001/v1", env)).toBe("http://proxy:8080");
});
