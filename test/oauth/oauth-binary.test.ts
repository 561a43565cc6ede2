// The compiled binary end to end with an OAuth account: login with a pasted code on a real stdin pipe (no EOF:
// Enter is enough), status, a gateway request with the bearer token, the 401 refresh-and-retry, and no token in
// the CLI's output, the server's logs or the config file.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../../src/config/store.ts";
import { createConfigTokenPersistence } from "../../src/oauth/config-persistence.ts";
import { startFakeOAuthServer, type FakeOAuthServer } from "../fakes/oauth-server.ts";
import { compiledBinary } from "../support/compiled-binary.ts";
import { collect } from "../support/gateway-process.ts";

const dir = mkdtempSync(join(tmpdir(), "lgw-oauth-bin-"));
let binary = "";
const config = join(dir, "config.yaml");
const env = { ...process.env, LLM_GATEWAY_CONFIG: config, LLM_GATEWAY_MASTER_KEY: "f".repeat(64), HOME: dir };
let fake: FakeOAuthServer;
let printed = "";

beforeAll(async () => {
  binary = await compiledBinary();
  fake = startFakeOAuthServer();
  // The build takes 2–3 s alone, several times that on a busy machine: past the default 5 s hook timeout.
}, 60_000);
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  const p = Bun.spawnSync([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
  printed += p.stdout.toString() + p.stderr.toString();
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

test("compiled binary: OAuth login by pasting the code, a request with the token, 401 → refresh → retry", async () => {
  const gatewayKey = JSON.parse(cli("apikey", "add", "--name", "t", "--json").stdout).key as string;

  const login = Bun.spawn(
    [binary, "upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", "--base-url", fake.url,
      "--authorize-url", fake.authorizeUrl, "--token-url", fake.tokenUrl, "--client-id", fake.clientId, "--redirect-uri", fake.redirectUri, "--json"],
    { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" },
  );
  const out = collect(login.stdout);
  const err = collect(login.stderr);
  const url = (await err.until(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\S+/))[0];
  // The browser step: the fake's authorize page shows CODE#STATE; the user pastes it and presses Enter.
  const shown = await (await fetch(url)).text();
  login.stdin.write(`${shown}\n`);
  await login.stdin.flush();
  expect(await login.exited).toBe(0);
  await Promise.all([out.done, err.done]);
  printed += out.text() + err.text();
  const added = JSON.parse(out.text());
  expect(added).toMatchObject({ result: "logged_in", account: { state: "authorized" } });
  const id = added.account.id as string;

  const status = cli("oauth", "status", id, "--json");
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout).state).toBe("authorized");

  const server = Bun.spawn([binary, "server", "start", "--host", "127.0.0.1", "--port", "0"], { env, stdout: "pipe", stderr: "pipe" });
  const logs = collect(server.stdout);
  const serverErr = collect(server.stderr);
  try {
    const base = (await logs.until(/listening on (http:\/\/[^\s"]+)/))[1]!;
    const ask = () =>
      fetch(`${base}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": gatewayKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
      });
    const first = await ask();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { beta: string }).beta).toBe("oauth-2025-04-20");

    const tokens = await createConfigTokenPersistence({ store: new ConfigStore(config, env) }).load(id);
    fake.revokeAccessToken(tokens!.accessToken);
    const second = await ask();
    expect(second.status).toBe(200);
    expect(fake.counts.refreshes).toBe(1);
  } finally {
    server.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }
  await Promise.all([logs.done, serverErr.done]);
  expect(logs.text()).toContain("oauth token refreshed");

  const file = readFileSync(config, "utf8");
  for (const secret of fake.secrets()) {
    expect(printed).not.toContain(secret);
    expect(logs.text() + serverErr.text()).not.toContain(secret);
    expect(file).not.toContain(secret);
  }
}, 30_000);
