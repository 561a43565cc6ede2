import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { ConfigStore } from "../../src/config/store.ts";
import { sandbox, type Sandbox } from "./cli-harness.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

describe("route", () => {
  test("add exact, prefix* and *; list; remove", async () => {
    const exact = (await sb.run(["route", "add", "--from", "gpt-4o", "--to", "claude-sonnet-4-5", "--provider", "anthropic", "--json"])).json();
    expect(exact).toMatchObject({ source_model: "gpt-4o", target_model: "claude-sonnet-4-5", target_provider: "anthropic", priority: 0, enabled: true });
    expect(exact.id).toMatch(/^route_[0-9a-f]{12}$/);
    const prefix = (await sb.run(["route", "add", "--from", "gemini*", "--to", "*", "--provider", "google", "--json"])).json();
    expect(prefix.target_provider).toBe("gemini");
    const star = (await sb.run(["route", "add", "--from", "*", "--to", "mock-1", "--priority", "10", "--json"])).json();
    expect(star).not.toHaveProperty("target_provider");
    expect(star.priority).toBe(10);

    const list = (await sb.run(["route", "list", "--json"])).json();
    expect(list.map((r: { source_model: string }) => r.source_model)).toEqual(["gpt-4o", "gemini*", "*"]);
    const human = (await sb.run(["route", "list"])).stdout;
    expect(human).toMatch(/^ID\s+FROM\s+TO\s+PROVIDER\s+PRIORITY\s+ENABLED$/m);
    expect(human).toContain("claude-sonnet-4-5");

    expect((await sb.run(["route", "remove", prefix.id])).code).toBe(0);
    expect((await sb.run(["route", "list", "--json"])).json()).toHaveLength(2);
    expect((await sb.run(["route", "remove", prefix.id])).code).toBe(1);
  });

  test("negative priority with --priority=N", async () => {
    expect((await sb.run(["route", "add", "--from", "a", "--to", "b", "--priority=-5", "--json"])).json().priority).toBe(-5);
  });
});

describe("env", () => {
  test("list shows defaults; set, show, unset round-trip", async () => {
    expect((await sb.run(["env", "list", "--json"])).json()).toEqual({ http_proxy: "", https_proxy: "", no_proxy: "localhost,127.0.0.1,::1" });
    const set = await sb.run(["env", "set", "--http-proxy", "http://proxy:3128", "--https-proxy", "http://proxy:3129", "--no-proxy", "localhost, .internal"]);
    expect(set.code).toBe(0);
    expect((await sb.run(["env", "show", "--name", "http_proxy"])).stdout).toBe("http://proxy:3128\n");
    expect((await sb.run(["env", "show", "--name", "HTTPS_PROXY", "--json"])).json()).toEqual({ name: "https_proxy", value: "http://proxy:3129" });
    expect((await sb.run(["env", "show", "--name", "no-proxy"])).stdout).toBe("localhost,.internal\n");
    const human = (await sb.run(["env", "list"])).stdout;
    expect(human).toMatch(/^http_proxy\s+http:\/\/proxy:3128$/m);

    expect((await sb.run(["env", "unset", "--name", "http_proxy"])).code).toBe(0);
    expect((await sb.run(["env", "unset", "--name", "no_proxy"])).code).toBe(0);
    expect((await sb.run(["env", "list", "--json"])).json()).toEqual({ http_proxy: "", https_proxy: "http://proxy:3129", no_proxy: "localhost,127.0.0.1,::1" });
  });

  test("a proxy URL with credentials is stored encrypted and never printed", async () => {
    await sb.run(["env", "set", "--https-proxy", "http://me:hunter2@proxy:3128", "--http-proxy", "http://proxy:3128"]);
    const file = await Bun.file(sb.config).text();
    expect(file).not.toContain("hunter2");
    const stored = new ConfigStore(sb.config, sb.env).read().environment;
    expect(stored.https_proxy).toMatch(/^enc:v1:/);
    expect(new ConfigStore(sb.config, sb.env).cipher.decrypt(stored.https_proxy, "t")).toBe("http://me:hunter2@proxy:3128");
    // Without credentials there is nothing to hide: it stays readable in the file.
    expect(stored.http_proxy).toBe("http://proxy:3128");
    for (const args of [["env", "list"], ["env", "list", "--json"], ["env", "show", "--name", "https_proxy"], ["config", "show"], ["config", "show", "--json"]]) {
      const out = (await sb.run(args)).stdout;
      expect(out).not.toContain("hunter2");
      expect(out).not.toContain("enc:v1:");
      expect(out).toContain("me:****@proxy:3128");
    }
    expect((await sb.run(["env", "set", "--https-proxy", "http://me:hunter2@proxy:3128"])).stdout).toBe("https_proxy = http://me:****@proxy:3128/\n");
  });

  test("a token given as the proxy's user name is encrypted and masked too", async () => {
    await sb.run(["env", "set", "--http-proxy", "http://tok-123456@proxy:3128"]);
    expect(await Bun.file(sb.config).text()).not.toContain("tok-123456");
    expect((await sb.run(["env", "show", "--name", "http_proxy"])).stdout).toBe("http://****@proxy:3128/\n");
  });

  test("a password stored in the clear (older versions, hand edits) keeps working and is encrypted by the next write", async () => {
    await sb.run(["env", "list"]);
    const legacy = (await Bun.file(sb.config).text()).replace(/http_proxy: ""/, 'http_proxy: "http://old:pass-in-clear@proxy:3128"');
    writeFileSync(sb.config, legacy);
    expect((await sb.run(["env", "show", "--name", "http_proxy"])).stdout).toBe("http://old:****@proxy:3128/\n");
    const validate = await sb.run(["config", "validate"]);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toBe("warning: environment.http_proxy holds credentials in plain text; the next change through the CLI encrypts them\n");
    // Any change rewrites the file: the password is sealed then.
    expect((await sb.run(["apikey", "add", "--name", "k"])).code).toBe(0);
    const file = await Bun.file(sb.config).text();
    expect(file).not.toContain("pass-in-clear");
    const store = new ConfigStore(sb.config, sb.env);
    expect(store.cipher.decrypt(store.read().environment.http_proxy, "t")).toBe("http://old:pass-in-clear@proxy:3128");
  });
});
