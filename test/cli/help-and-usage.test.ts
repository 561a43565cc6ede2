import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sandbox, type Sandbox } from "./cli-harness.ts";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

const COMMANDS = [
  "apikey add", "apikey list", "apikey show", "apikey remove", "apikey enable", "apikey disable",
  "upstream add", "upstream list", "upstream show", "upstream remove", "upstream enable", "upstream disable",
  "route add", "route list", "route remove",
  "env list", "env set", "env show", "env unset",
  "config path", "config show", "config validate",
  "status", "version", "health", "server start", "server status",
  "service install", "service uninstall",
];
const GROUPS = ["apikey", "upstream", "route", "env", "config", "server", "service"];

describe("--help", () => {
  test("at the top level lists the commands and exits 0", async () => {
    for (const args of [["--help"], ["-h"], []]) {
      const r = await sb.run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("llm-gateway apikey add");
      expect(r.stdout).toContain("llm-gateway upstream add");
    }
  });

  test("at every group level lists the group's commands and exits 0", async () => {
    for (const group of GROUPS) {
      for (const flag of ["--help", "-h"]) {
        const r = await sb.run([group, flag]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`Usage: llm-gateway ${group} <command>`);
      }
    }
    const r = await sb.run(["apikey", "--help"]);
    for (const verb of ["add", "list", "show", "remove", "enable", "disable"]) expect(r.stdout).toMatch(new RegExp(`^  ${verb}\\s`, "m"));
  });

  test("at every command exits 0 without touching the config", async () => {
    for (const command of COMMANDS) {
      const r = await sb.run([...command.split(" "), "--help"]);
      expect({ command, code: r.code }).toEqual({ command, code: 0 });
      expect(r.stdout).toContain(`llm-gateway ${command}`);
    }
    expect(existsSync(sb.config)).toBe(false);
  });

  test("option values are named (PATH, N, URL…), never clipanion's #0", async () => {
    const outputs = [(await sb.run(["--help"])).stdout];
    for (const command of COMMANDS) outputs.push((await sb.run([...command.split(" "), "--help"])).stdout);
    for (const out of outputs) expect(out).not.toContain("#0");
    const top = outputs[0]!;
    expect(top).toContain("llm-gateway config validate [--config PATH] [--file PATH]");
    const add = (await sb.run(["apikey", "add", "--help"])).stdout;
    expect(add).toMatch(/^  --rpm N\s+Requests per minute/m);
    expect(add).toMatch(/^  --expires-in DURATION\s/m);
    expect((await sb.run(["upstream", "add", "--help"])).stdout).toMatch(/^  --base-url URL\s/m);
    expect((await sb.run(["env", "set", "--help"])).stdout).toMatch(/^  --http-proxy URL\s/m);
  });

  test("`help` is a command: help, help <group>, help <group> <command>", async () => {
    const top = await sb.run(["help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toBe((await sb.run(["--help"])).stdout);
    const group = await sb.run(["help", "apikey"]);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain("Usage: llm-gateway apikey <command>");
    const command = await sb.run(["help", "apikey", "add"]);
    expect(command.code).toBe(0);
    expect(command.stdout).toBe((await sb.run(["apikey", "add", "--help"])).stdout);
    const unknown = await sb.run(["help", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "nope"');
    expect(existsSync(sb.config)).toBe(false);
  });

  test("`bun src/main.ts --help` exits 0 in a real process", async () => {
    const proc = Bun.spawn(["bun", join(import.meta.dir, "../../src/main.ts"), "--help"], {
      env: { ...process.env, ...sb.env },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect(code).toBe(0);
    expect(out).toContain("llm-gateway apikey add");
  });
});

describe("usage errors print one line and exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown command", ["nope"], /unknown command "nope" \(see `llm-gateway --help`\)/],
    ["unknown verb in a group", ["apikey", "ad"], /unknown command "apikey ad" \(see `llm-gateway apikey --help`\)/],
    ["bare group", ["upstream"], /missing command after "upstream": add, list/],
    ["unknown option", ["apikey", "list", "--bogus"], /unsupported option name \("--bogus"\) \(see `llm-gateway apikey list --help`\)/],
    ["missing positional", ["apikey", "show"], /not enough positional arguments/],
    ["extra positional", ["route", "remove", "a", "b"], /extraneous positional argument/],
    ["missing option value", ["apikey", "add", "--name"], /not enough arguments to option --name/],
    ["missing required option", ["apikey", "add"], /missing --name/],
    ["bad integer", ["apikey", "add", "--name", "x", "--rpm", "ten"], /--rpm expects an integer/],
    ["negative rpm", ["apikey", "add", "--name", "x", "--rpm=-1"], /--rpm must be at least 0/],
    ["negative rpm as its own word", ["apikey", "add", "--name", "x", "--rpm", "-5"], /^error: --rpm must be at least 0, got -5$/m],
    ["negative weight", ["upstream", "add", "--provider", "mock", "--name", "x", "--weight", "-2"], /--weight must be at least 0, got -2/],
    ["negative port", ["server", "start", "--port", "-1"], /--port must be at least 0, got -1/],
    ["negative duration", ["apikey", "add", "--name", "x", "--expires-in", "-5d"], /--expires-in expects a duration/],
    ["bad permission", ["apikey", "add", "--name", "x", "--permissions", "read,root"], /unknown permission "root"/],
    ["bad duration", ["apikey", "add", "--name", "x", "--expires-in", "soon"], /--expires-in expects a duration/],
    ["bad provider", ["upstream", "add", "--provider", "acme", "--name", "x", "--key", "k"], /unknown provider "acme"/],
    ["oauth type with a key", ["upstream", "add", "--type", "oauth", "--provider", "anthropic", "--name", "x", "--key", "k"], /--key applies to --type api-key/],
    ["key required", ["upstream", "add", "--provider", "openai", "--name", "x"], /needs --key/],
    ["bad base url", ["upstream", "add", "--provider", "openai", "--name", "x", "--key", "k", "--base-url", "not a url"], /--base-url is not a valid URL/],
    ["base url required", ["upstream", "add", "--provider", "azure", "--name", "x", "--key", "k"], /needs --base-url/],
    ["api-version off azure", ["upstream", "add", "--provider", "openai", "--name", "x", "--key", "k", "--api-version", "1"], /azure only/],
    ["inner wildcard", ["route", "add", "--from", "gpt*4", "--to", "x"], /only a trailing \*/],
    ["env name", ["env", "show", "--name", "PATH"], /unknown setting "PATH"/],
    ["env set nothing", ["env", "set"], /nothing to set/],
    ["proxy url", ["env", "set", "--http-proxy", "ftp://x"], /must be an http/],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await sb.run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    });
  }

  test("a usage error changes nothing", async () => {
    await sb.run(["apikey", "list"]);
    const before = await Bun.file(sb.config).text();
    await sb.run(["apikey", "add", "--name", "x", "--permissions", "root"]);
    expect(await Bun.file(sb.config).text()).toBe(before);
  });
});

test("a negative number is a value where negative is valid (priorities)", async () => {
  expect((await sb.run(["upstream", "add", "--provider", "mock", "--name", "m", "--priority", "-1", "--json"])).json().priority).toBe(-1);
  expect((await sb.run(["route", "add", "--from", "a", "--to", "b", "--priority", "-5", "--json"])).json().priority).toBe(-5);
});

test("version prints the package version, --json as one document with the build stamp", async () => {
  const pkg = await Bun.file(join(import.meta.dir, "../../package.json")).json();
  const r = await sb.run(["version"]);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(`llm-gateway ${pkg.version}`);
  expect((await sb.run(["--version"])).stdout.trim()).toBe(`llm-gateway ${pkg.version}`);
  // Run from source: nothing was stamped by build.ts (test/smoke checks a compiled binary's stamp).
  expect((await sb.run(["version", "--json"])).json()).toEqual({
    name: "llm-gateway",
    version: pkg.version,
    commit: "unknown",
    build_time: "unknown",
    target: "source",
    bun: Bun.version,
  });
});
