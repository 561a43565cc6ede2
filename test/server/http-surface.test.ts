/**
 * The HTTP surface around the API routes: routing whatever the Host header, the gateway's headers on every answer
 * (health, docs, preflight, 404, 405), 405 with Allow, /health's two levels of detail, the docs page served from
 * the gateway itself, and (over real sockets) the body limit answered by the gateway rather than by Bun.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { startServer, type RunningServer } from "../../src/runtime/start-server.ts";
import { DOCS_CSP } from "../../src/server/docs.ts";
import { operatorToken } from "../../src/server/operator-token.ts";
import { testAccount, testApp, testConfig, testKey } from "../support/test-app.ts";

const reader = testKey({ permissions: ["read"] });
const writer = testKey({ permissions: ["write"] });
const admin = testKey({ permissions: ["admin"] });
const config = testConfig({ gateway_keys: [reader.key, writer.key, admin.key], upstream_accounts: [testAccount({ id: "up_1" })] });
const bearer = (raw: string) => ({ authorization: `Bearer ${raw}` });

describe("routing whatever the Host", () => {
  const { app } = testApp(config);
  test("a one-letter host routes by the whole path", async () => {
    const models = await app.handle(new Request("http://x/v1/models", { headers: bearer(reader.raw) }));
    expect(models.status).toBe(200);
    expect(((await models.json()) as any).object).toBe("list");
    // Cut at a fixed offset, `/aa/health` used to become `/health`.
    expect((await app.handle(new Request("http://x/aa/health"))).status).toBe(404);
    expect((await app.handle(new Request("http://gw/health?x=1"))).status).toBe(200);
  });
});

describe("the gateway's headers on answers outside the API chain", () => {
  const { request } = testApp(config);
  const paths: [string, RequestInit][] = [
    ["/health", {}],
    ["/swagger", {}],
    ["/swagger/json", {}],
    ["/swagger/ui/swagger-ui-bundle.js", {}],
    ["/swagger/ui/swagger-ui.css", {}],
    ["/swagger/ui/init.js", {}],
    ["/v1/messages", { method: "OPTIONS" }],
    ["/nowhere", {}],
    ["/v1/messages", { method: "GET" }],
  ];
  for (const [path, init] of paths) {
    test(`${init.method ?? "GET"} ${path} carries x-request-id (the client's when sane)`, async () => {
      const res = await request(path, { ...init, headers: { "x-request-id": "client-7" } });
      expect(res.headers.get("x-request-id")).toBe("client-7");
      const fresh = await request(path, init);
      expect(fresh.headers.get("x-request-id")).toMatch(/^req_/);
    });
  }
});

describe("wrong method on a known path", () => {
  const { request } = testApp(config);
  test("→ 405 with Allow, in Anthropic's shape on /v1/messages*", async () => {
    const res = await request("/v1/messages", { method: "GET", headers: bearer(writer.raw) });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    const body = (await res.json()) as any;
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("GET is not allowed on /v1/messages");
    expect((await request("/v1/messages/count_tokens", { method: "PUT", body: "{}" })).status).toBe(405);
  });

  test("→ 405 in OpenAI's shape elsewhere; GET routes allow HEAD", async () => {
    const res = await request("/v1/chat/completions", { method: "GET" });
    expect(res.status).toBe(405);
    expect(((await res.json()) as any).error).toMatchObject({ type: "invalid_request_error" });
    const health = await request("/health", { method: "POST", body: "{}" });
    expect(health.status).toBe(405);
    expect(health.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect((await request("/health", { method: "HEAD" })).status).toBe(200);
    expect((await request("/v1/nothing", { method: "GET" })).status).toBe(404);
  });
});

describe("/health: counts for anyone, details for a read or admin key", () => {
  const token = operatorToken(Buffer.alloc(32, 7));
  const { request } = testApp(config, { operatorToken: token });

  test("no key: status and counts, no ids, version or uptime", async () => {
    expect(await (await request("/health")).json()).toEqual({ status: "ok", accounts: { healthy: 1, total: 1 } });
  });

  test("a read key, an admin key and the CLI's operator token see each account", async () => {
    for (const headers of [bearer(reader.raw), { "x-api-key": admin.raw }, bearer(token)]) {
      const res = await request("/health", { headers });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ status: "ok", version: "0.0.0-test", accounts: { healthy: 1, total: 1, items: [{ id: "up_1", state: "healthy" }] } });
      expect(typeof body.uptime_s).toBe("number");
    }
  });

  test("a key that is wrong, or only for writing, is refused rather than answered with less", async () => {
    expect((await request("/health", { headers: bearer(writer.raw) })).status).toBe(403);
    expect((await request("/health", { headers: bearer("lgw_nope") })).status).toBe(401);
    const wrongToken = await request("/health", { headers: bearer(operatorToken(Buffer.alloc(32, 8))) });
    expect(wrongToken.status).toBe(401);
    expect(((await wrongToken.json()) as any).error.message).toContain("operator token");
    // An app with no master key accepts no operator token at all.
    const { request: noKey } = testApp(config);
    expect((await noKey("/health", { headers: bearer(token) })).status).toBe(401);
  });

  test("the OpenAPI document describes both levels from the same schema", async () => {
    const spec = (await (await request("/swagger/json")).json()) as any;
    const schema = spec.paths["/health"].get.responses["200"].content["application/json"].schema;
    expect(schema.required).toEqual(["status", "accounts"]);
    expect(schema.properties.accounts.properties.items.items.properties.consecutive_failures).toBeDefined();
  });
});

describe("the docs page comes from the gateway itself", () => {
  const { request } = testApp(config);
  test("no script, style or font from elsewhere; a strict Content-Security-Policy", async () => {
    const res = await request("/swagger");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toBe(DOCS_CSP);
    const page = await res.text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(["swagger/ui/swagger-ui.css", "swagger/ui/swagger-ui-bundle.js", "swagger/ui/init.js"]);
    expect(page).not.toMatch(/https?:\/\//);
    expect(DOCS_CSP).toContain("script-src 'self'");
  });

  test("the pinned Swagger UI files, and an initializer that points at /swagger/json with no validator", async () => {
    const js = await request("/swagger/ui/swagger-ui-bundle.js");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await js.text()).length).toBeGreaterThan(500_000);
    const css = await request("/swagger/ui/swagger-ui.css");
    expect(css.headers.get("content-type")).toContain("text/css");
    const init = await (await request("/swagger/ui/init.js")).text();
    expect(init).toContain('url: "swagger/json"');
    expect(init).toContain("validatorUrl: null");
    const spec = (await (await request("/swagger/json")).json()) as any;
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths).filter((p) => p.startsWith("/swagger"))).toEqual([]);
  });
});

describe("over real sockets", () => {
  let dir: string;
  let server: RunningServer | undefined;
  const lines: string[] = [];
  const k = testKey();
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lgw-surface-"));
    lines.length = 0;
    const store = new ConfigStore(join(dir, "config.yaml"), { LLM_GATEWAY_MASTER_KEY: "c".repeat(64) });
    store.update((c) => {
      c.gateway_keys.push(k.key);
      c.upstream_accounts.push(testAccount());
      c.server.body_limit = 4096;
    });
    server = startServer({ store, host: "127.0.0.1", port: 0, version: "t", logSink: { write: (t) => lines.push(t) } });
  });
  afterEach(async () => {
    await server?.shutdown(0);
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends raw bytes, returns everything the server sent until it closed the connection. */
  const raw = (parts: string[]) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(server!.port, "127.0.0.1", () => {
        for (const p of parts) socket.write(p);
      });
      let out = "";
      socket.on("data", (d) => (out += d));
      socket.on("close", () => resolve(out));
      socket.on("error", (e) => (out ? resolve(out) : reject(e)));
    });
  const accessLog = async () => {
    await server!.shutdown(0);
    server = undefined;
    return lines.join("").split("\n").filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
  };

  test("`Host: gw` as a reverse proxy sends it", async () => {
    const answer = await raw([`GET /v1/models HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${k.raw}\r\nConnection: close\r\n\r\n`]);
    expect(answer).toStartWith("HTTP/1.1 200");
  });

  test("a declared body over the limit: the gateway's 413 in the client's dialect, request id, closed, logged", async () => {
    const head = (path: string) =>
      `POST ${path} HTTP/1.1\r\nHost: gw\r\nx-api-key: ${k.raw}\r\nx-request-id: big-1\r\ncontent-type: application/json\r\nContent-Length: 100000\r\n\r\n`;
    const anthropic = await raw([head("/v1/messages")]);
    expect(anthropic).toStartWith("HTTP/1.1 413");
    expect(anthropic.toLowerCase()).toContain("x-request-id: big-1");
    expect(anthropic.toLowerCase()).toContain("connection: close");
    const body = JSON.parse(anthropic.slice(anthropic.indexOf("\r\n\r\n") + 4));
    expect(body).toEqual({ type: "error", error: { type: "request_too_large", message: "request body is larger than the gateway's limit of 4096 bytes" } });
    const openai = await raw([head("/v1/chat/completions")]);
    expect(JSON.parse(openai.slice(openai.indexOf("\r\n\r\n") + 4)).error.code).toBe("request_too_large");
    const log = await accessLog();
    expect(log.map((l) => [l.route, l.status, l.request_id])).toEqual([["/v1/messages", 413, "big-1"], ["/v1/chat/completions", 413, "big-1"]]);
  });

  test("a chunked body that grows past the limit: refused as it arrives, same 413", async () => {
    const chunk = `${(3000).toString(16)}\r\n${"a".repeat(3000)}\r\n`;
    const answer = await raw([
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${k.raw}\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      chunk,
      chunk,
    ]);
    expect(answer).toStartWith("HTTP/1.1 413");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("request_too_large");
  });

  test("a chunked body within the limit is read whole", async () => {
    const json = JSON.stringify({ model: "m", messages: [{ role: "user", content: "chunked hello" }] });
    const answer = await raw([
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${k.raw}\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`,
    ]);
    expect(answer).toStartWith("HTTP/1.1 200");
    expect(answer).toContain("chunked hello");
  });

  test("headers over Bun's limit (16 KB): Bun answers 431 itself, before any gateway code — bare, unlogged", async () => {
    // Nothing in Bun.serve can hook this answer (no handler runs; the `error` callback is not called), so it has
    // no body, no request id and no access-log line. The README says so; this test notices if Bun changes.
    const answer = await raw([`GET /health HTTP/1.1\r\nHost: gw\r\nx-request-id: huge-1\r\nx-pad: ${"a".repeat(20_000)}\r\n\r\n`]);
    expect(answer).toStartWith("HTTP/1.1 431");
    expect(answer.toLowerCase()).not.toContain("x-request-id");
    expect(answer.slice(answer.indexOf("\r\n\r\n") + 4)).toBe("");
    expect(await accessLog()).toEqual([]);
  });
});
