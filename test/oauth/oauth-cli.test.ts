// OAuth logins through the CLI (runCli in-process) against the fake OAuth server: PKCE code paste, wrong state,
// expired code, a login finished later with --code, refresh with rotation, invalid_grant, the device flow.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StdinSource } from "../../src/cli/base-command.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { createConfigTokenPersistence } from "../../src/oauth/config-persistence.ts";
import { startFakeOAuthServer, type DeviceStep, type FakeOAuthServer } from "../fakes/oauth-server.ts";

const MASTER_KEY = "cd".repeat(32);
let dir: string;
let configPath: string;
let env: Record<string, string | undefined>;
let fakeNow: number;
let fake: FakeOAuthServer;
/** Everything any CLI run printed, to check no secret ever reached it. */
let allOutput: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lgw-oauth-cli-"));
  configPath = join(dir, "config.yaml");
  env = { LLM_GATEWAY_CONFIG: configPath, LLM_GATEWAY_MASTER_KEY: MASTER_KEY, HOME: dir };
  fakeNow = Date.now();
  fake = startFakeOAuthServer({ clock: () => fakeNow, deviceInterval: 2, deviceExpiresIn: 300 });
  allOutput = "";
});
afterEach(async () => {
  // Nothing secret in what the CLI printed or in the config file, whatever the test did.
  const file = existsSync(configPath) ? readFileSync(configPath, "utf8") : "";
  for (const secret of fake.secrets()) {
    expect(allOutput).not.toContain(secret);
    expect(file).not.toContain(secret);
  }
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

async function cli(
  args: string[],
  opts: { stdin?: (out: { stderr: () => string }) => StdinSource; sleep?: (ms: number) => Promise<void> } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (s: string) => void (stdout += s) },
    stderr: { write: (s: string) => void (stderr += s) },
    env,
    stdin: opts.stdin?.({ stderr: () => stderr }) ?? "",
    // Only the fake OAuth server answers: `status` and `upstream list/show` ask a running gateway, and none must.
    fetch: (input, init) => (input.startsWith(fake.url) ? fetch(input, init) : Promise.reject(new TypeError("connection refused"))),
    sleep: opts.sleep,
  });
  allOutput += stdout + stderr;
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** The person at the terminal: opens the printed authorize URL (the fake shows CODE#STATE) and pastes what it shows. */
function paste(edit: (shown: string) => string = (s) => s): (out: { stderr: () => string }) => StdinSource {
  return (out) => ({
    async *[Symbol.asyncIterator]() {
      const url = out.stderr().match(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\S+/)?.[0];
      if (!url) throw new Error(`no authorize URL printed: ${out.stderr()}`);
      const shown = await (await fetch(url)).text();
      yield `${edit(shown)}\n`;
    },
  });
}

const anthropicFlags = () => [
  "--authorize-url", fake.authorizeUrl,
  "--token-url", fake.tokenUrl,
  "--client-id", fake.clientId,
  "--redirect-uri", fake.redirectUri,
];

const accounts = () => new ConfigStore(configPath, env).read().upstream_accounts;
const storedTokens = (id: string) => createConfigTokenPersistence({ store: new ConfigStore(configPath, env) }).load(id);

describe("Anthropic PKCE login through the CLI", () => {
  test("upstream add --type oauth: URL printed, CODE#STATE pasted, state checked, tokens stored encrypted with their expiry", async () => {
    const r = await cli(["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", ...anthropicFlags(), "--json"], {
      stdin: paste(),
    });
    expect(r.stderr).toContain("paste the code");
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.result).toBe("logged_in");
    expect(doc.account.state).toBe("authorized");
    expect(doc.account.remaining_s).toBeGreaterThan(3500);

    // The exchange: JSON body with the verifier and the same state.
    const exchange = fake.tokenRequests.find((t) => t.body.grant_type === "authorization_code")!;
    expect(exchange.contentType).toBe("application/json");
    expect(fake.counts.codeExchanges).toBe(1);

    const [account] = accounts();
    expect(account!.type).toBe("oauth");
    expect(account!.oauth!.access_token).toStartWith("enc:v1:");
    expect(account!.oauth!.refresh_token).toStartWith("enc:v1:");
    expect(account!.oauth!.needs_reauth).toBeUndefined();
    expect(Date.parse(account!.oauth!.expires_at!)).toBeGreaterThan(Date.now());
    const tokens = await storedTokens(account!.id);
    expect(fake.isAccessTokenLive(tokens!.accessToken)).toBe(true);

    const status = await cli(["oauth", "status", account!.id, "--json"]);
    expect(status.json()).toMatchObject({ id: account!.id, state: "authorized", can_refresh: true });
    const human = await cli(["oauth", "status"]);
    expect(human.stdout).toMatch(/authorized, \d+m \d+s left|authorized, 1h 0m left|authorized, 59m/);

    // Listing and showing the account prints no token material.
    expect((await cli(["upstream", "list"])).code).toBe(0);
    expect((await cli(["upstream", "show", account!.id, "--json"])).code).toBe(0);
    expect((await cli(["config", "show"])).code).toBe(0);
  });

  test("a pasted code from another login (wrong state) is refused before any exchange; nothing is added", async () => {
    const r = await cli(["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", ...anthropicFlags()], {
      stdin: paste((shown) => `${shown.split("#")[0]}#not-the-state`),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("state does not match");
    expect(fake.counts.codeExchanges).toBe(0);
    expect(accounts()).toEqual([]);
  });

  test("an expired code: the token endpoint's invalid_grant is reported and nothing is added", async () => {
    const r = await cli(["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", ...anthropicFlags()], {
      stdin: paste((shown) => {
        fakeNow += 11 * 60_000; // the user came back after the code's 10 minutes
        return shown;
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid_grant");
    expect(r.stderr).toContain("expired");
    expect(accounts()).toEqual([]);
  });

  test("nothing pasted: the login waits; oauth start ID --code CODE#STATE finishes it", async () => {
    const first = await cli(["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", ...anthropicFlags(), "--json"]);
    expect(first.code).toBe(0);
    expect(first.json().result).toBe("pending");
    const id = first.json().account.id as string;
    expect(first.stderr).toContain(`oauth start ${id} --code`);
    expect(accounts()[0]!.oauth!.needs_reauth).toBe(true);
    // Left out of routing until logged in: `oauth status` and `upstream list` say so.
    expect((await cli(["oauth", "status", id, "--json"])).json().state).toBe("not_authorized");
    expect((await cli(["oauth", "status"])).stdout).toContain("not logged in");
    expect((await cli(["upstream", "list", "--json"])).stdout).toContain("needs re-login");

    const url = first.stderr.match(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\S+/)![0];
    const shown = await (await fetch(url)).text();
    const done = await cli(["oauth", "start", id, "--code", shown, "--json"]);
    expect(done.code).toBe(0);
    expect(done.json()).toMatchObject({ result: "logged_in", account: { state: "authorized" } });
    expect(accounts()[0]!.oauth!.needs_reauth).toBeUndefined();

    // The waiting login was used up.
    const again = await cli(["oauth", "start", id, "--code", shown]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("no login of");
  });

  test("oauth refresh: the rotated refresh token is stored; the old one is spent; oauth start logs in again", async () => {
    const add = await cli(["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", ...anthropicFlags(), "--json"], {
      stdin: paste(),
    });
    const id = add.json().account.id as string;
    const before = (await storedTokens(id))!;

    const r = await cli(["oauth", "refresh", id, "--json"]);
    expect(r.code).toBe(0);
    expect(r.json().state).toBe("authorized");
    expect(fake.counts.refreshes).toBe(1);
    const after = (await storedTokens(id))!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(fake.isAccessTokenLive(after.accessToken)).toBe(true);

    // A second refresh uses the rotated token (the fake would revoke the family if the spent one were sent).
    expect((await cli(["oauth", "refresh", id])).code).toBe(0);
    expect(fake.isAccessTokenLive((await storedTokens(id))!.accessToken)).toBe(true);

    const relogin = await cli(["oauth", "start", id], { stdin: paste() });
    expect(relogin.code).toBe(0);
    expect(relogin.stdout).toContain("Logged in upstream account");
  });

  test("invalid_grant on refresh: the account needs a new login, shown by oauth status, status and upstream show; it is kept", async () => {
    const add = await cli(["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "claude", ...anthropicFlags(), "--json"], {
      stdin: paste(),
    });
    const id = add.json().account.id as string;
    fake.setRefreshInvalid(true);
    const r = await cli(["oauth", "refresh", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("needs a new OAuth login");

    const account = accounts().find((a) => a.id === id)!;
    expect(account.oauth!.needs_reauth).toBe(true);
    expect(account.oauth!.access_token).toStartWith("enc:v1:");
    expect((await cli(["oauth", "status", id, "--json"])).json().state).toBe("needs_reauth");
    expect((await cli(["oauth", "status"])).stdout).toContain("needs re-login");
    const status = await cli(["status", "--json"]);
    expect(status.json().accounts[0].health).toBe("needs re-login");
    expect((await cli(["upstream", "show", id, "--json"])).stdout).toContain("needs re-login");
    // Refreshing again is pointless: the CLI says to log in.
    const again = await cli(["oauth", "refresh", id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`oauth start ${id}`);

    // A new login clears the mark.
    fake.setRefreshInvalid(false);
    expect((await cli(["oauth", "start", id], { stdin: paste() })).code).toBe(0);
    expect(accounts().find((a) => a.id === id)!.oauth!.needs_reauth).toBeUndefined();
  });

  test("flags that do not fit are usage errors", async () => {
    const api = await cli(["upstream", "add", "--type", "api-key", "--provider", "anthropic", "--name", "x", "--key", "k", "--token-url", "http://x"]);
    expect(api.code).toBe(2);
    expect(api.stderr).toContain("--token-url applies to --type oauth");
    const noDefaults = await cli(["upstream", "add", "--type", "oauth", "--provider", "openai", "--name", "x"]);
    expect(noDefaults.code).toBe(2);
    expect(noDefaults.stderr).toContain("oauth.token_url");
    const help = await cli(["oauth", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("start");
    expect(help.stdout).toContain("status");
    expect(help.stdout).toContain("refresh");
  });
});

describe("device login (Qwen-style) through the CLI", () => {
  const qwenFlags = () => ["--device-code-url", fake.deviceCodeUrl, "--token-url", fake.deviceTokenUrl, "--client-id", fake.clientId];

  async function deviceAdd(script: DeviceStep[]) {
    fake.setDeviceScript(script);
    const sleeps: number[] = [];
    const r = await cli(["upstream", "add", "--type", "oauth", "--provider", "openai-compatible", "--name", "qwen", ...qwenFlags(), "--json"], {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    return { r, sleeps };
  }

  test("user code and URL shown; pending → slow_down → pending → success honours the interval and its 5 s step", async () => {
    const { r, sleeps } = await deviceAdd(["pending", "slow_down", "pending", "success"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/enter the code U\d{6}/);
    expect(r.stderr).toContain(`${fake.url}/device?user_code=`);
    expect(r.stderr).toContain("slow down: polling every 7s");
    expect(sleeps).toEqual([2000, 2000, 7000, 7000]);
    expect(fake.counts.devicePolls).toBe(4);
    const doc = r.json();
    expect(doc.account.state).toBe("authorized");
    // Qwen names the API host its token is for.
    expect(doc.account.base_url).toBe("https://portal.fake.example/v1");
    const tokens = await storedTokens(doc.account.id);
    expect(fake.isAccessTokenLive(tokens!.accessToken)).toBe(true);
  });

  test("denied or expired: the login stops with a clear error and nothing is added", async () => {
    const denied = await deviceAdd(["pending", "denied"]);
    expect(denied.r.code).toBe(1);
    expect(denied.r.stderr).toContain("denied");
    expect(accounts()).toEqual([]);
    const expired = await deviceAdd(["expired"]);
    expect(expired.r.code).toBe(1);
    expect(expired.r.stderr).toContain("expired");
    expect(accounts()).toEqual([]);
  });
});
