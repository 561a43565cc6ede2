// `service install` / `service uninstall` against a temp filesystem root (--root): the unit's content, never the
// real systemd. Where systemd-analyze is installed, the written unit is checked by it too.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { sandbox, type Sandbox } from "./cli-harness.ts";

let sb: Sandbox;
let root: string;
const BIN = "/usr/local/bin/llm-gateway";
const SYSTEM_UNIT = "/etc/systemd/system/llm-gateway.service";

beforeEach(() => {
  sb = sandbox();
  root = join(sb.dir, "root");
  fakeBinary(BIN);
});
afterEach(() => sb.cleanup());

function fakeBinary(path: string, mode = 0o755) {
  const file = join(root, path);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, "#!/bin/sh\n");
  chmodSync(file, mode);
}

const install = (...args: string[]) => sb.run(["service", "install", "--root", root, "--binary", BIN, ...args]);
const uninstall = (...args: string[]) => sb.run(["service", "uninstall", "--root", root, ...args]);
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** The unit's settings: section → key → every value it is given (systemd keys may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      out[section] = {};
      continue;
    }
    const eq = line.indexOf("=");
    expect(eq).toBeGreaterThan(0);
    (out[section]![line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return out;
}

describe("service install (system)", () => {
  test("writes a hardened unit for the binary, its system user, and prints how to start it", async () => {
    const r = await install();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const unit = parseUnit(read(SYSTEM_UNIT));
    const s = unit.Service!;
    const one = (key: string) => {
      expect(s[key]).toHaveLength(1);
      return s[key]![0];
    };
    expect(one("ExecStart")).toBe(`${BIN} server start`);
    expect(one("Type")).toBe("exec");
    // Its own user; the configuration and master key persist in the state directory.
    expect(one("User")).toBe("llm-gateway");
    expect(s.DynamicUser).toBeUndefined();
    expect(one("StateDirectory")).toBe("llm-gateway");
    expect(one("StateDirectoryMode")).toBe("0700");
    expect(one("Environment")).toBe("LLM_GATEWAY_CONFIG=%S/llm-gateway/config.yaml");
    // Hardening.
    for (const [k, v] of Object.entries({
      NoNewPrivileges: "yes",
      ProtectSystem: "strict",
      ProtectHome: "yes",
      PrivateTmp: "yes",
      PrivateDevices: "yes",
      CapabilityBoundingSet: "",
      AmbientCapabilities: "",
      RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
      RestrictSUIDSGID: "yes",
      LockPersonality: "yes",
      SystemCallArchitectures: "native",
      SystemCallErrorNumber: "EPERM",
    })) {
      expect([k, one(k)]).toEqual([k, v]);
    }
    expect(s.SystemCallFilter).toEqual(["@system-service", "~@privileged"]);
    // Bun's JIT writes the code it then runs: MemoryDenyWriteExecute would turn it off.
    expect(s.MemoryDenyWriteExecute).toBeUndefined();
    // Stopping: the server's SIGTERM drain, with more time than server.shutdown_grace (30 s by default).
    expect(one("KillSignal")).toBe("SIGTERM");
    expect(one("TimeoutStopSec")).toBe("45");
    expect(one("Restart")).toBe("on-failure");
    expect(unit.Install!.WantedBy).toEqual(["multi-user.target"]);
    expect(unit.Unit!.After).toEqual(["network-online.target"]);

    expect(read("/etc/sysusers.d/llm-gateway.conf")).toContain('\nu llm-gateway - "LLM Gateway" /var/lib/llm-gateway\n');
    expect(r.stdout).toContain("wrote /etc/systemd/system/llm-gateway.service\nwrote /etc/sysusers.d/llm-gateway.conf\n");
    expect(r.stdout).toContain(
      "  systemd-sysusers /etc/sysusers.d/llm-gateway.conf      # creates the system user llm-gateway\n" +
        "  systemctl daemon-reload\n  systemctl enable --now llm-gateway.service\n",
    );
    expect(r.stdout).toContain(`sudo -u llm-gateway ${BIN} apikey add --name team --config /var/lib/llm-gateway/config.yaml`);
    // Nothing written outside the given root, nothing in the sandbox's home.
    expect(existsSync(join(sb.dir, ".config"))).toBe(false);
  });

  test("the stop timeout follows server.shutdown_grace; a port below 1024 gets CAP_NET_BIND_SERVICE and nothing else", async () => {
    const config = join(root, "var/lib/llm-gateway/config.yaml");
    mkdirSync(join(config, ".."), { recursive: true });
    writeFileSync(config, YAML.stringify({ server: { shutdown_grace: 120, port: 443 } }));
    expect((await install()).code).toBe(0);
    const s = parseUnit(read(SYSTEM_UNIT)).Service!;
    expect(s.TimeoutStopSec).toEqual(["135"]);
    expect(s.CapabilityBoundingSet).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(s.AmbientCapabilities).toEqual(["CAP_NET_BIND_SERVICE"]);
  });

  test("--config elsewhere: named in the unit, its folder writable; home folders and /tmp are refused", async () => {
    const r = await install("--config", "/etc/llm-gateway/config.yaml");
    expect(r.code).toBe(0);
    const s = parseUnit(read(SYSTEM_UNIT)).Service!;
    expect(s.Environment).toEqual(["LLM_GATEWAY_CONFIG=/etc/llm-gateway/config.yaml"]);
    expect(s.ReadWritePaths).toEqual(["/etc/llm-gateway"]);
    expect(s.StateDirectory).toBeUndefined();
    expect(r.stdout).toContain("chown -R llm-gateway: /etc/llm-gateway");

    for (const path of ["/home/alice/gw/config.yaml", "/root/config.yaml", "/tmp/gw.yaml"]) {
      const bad = await install("--config", path, "--force");
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`--config ${path}: a system service cannot reach home folders or /tmp`);
    }
    const spaced = await install("--config", "/etc/llm gateway/config.yaml", "--force");
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toContain("has whitespace");
  });

  test("the installing shell's LLM_GATEWAY_CONFIG is not the service's", async () => {
    expect((await install()).code).toBe(0);
    expect(parseUnit(read(SYSTEM_UNIT)).Service!.Environment).toEqual(["LLM_GATEWAY_CONFIG=%S/llm-gateway/config.yaml"]);
  });

  test("the same unit again is left as it is; a different one is kept unless --force", async () => {
    expect((await install()).code).toBe(0);
    const again = await install();
    expect(again.code).toBe(0);
    expect(again.stdout).toStartWith("/etc/systemd/system/llm-gateway.service is installed already (unchanged)\n");

    writeFileSync(join(root, SYSTEM_UNIT), "[Service]\nExecStart=/bin/something-else\n");
    const refused = await install();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "error: /etc/systemd/system/llm-gateway.service already exists and differs from what this would write; add --force to replace it\n",
    );
    expect(read(SYSTEM_UNIT)).toBe("[Service]\nExecStart=/bin/something-else\n");

    const forced = await install("--force");
    expect(forced.code).toBe(0);
    expect(forced.stdout).toStartWith("wrote /etc/systemd/system/llm-gateway.service\n");
    expect(read(SYSTEM_UNIT)).toContain(`ExecStart=${BIN} server start`);
  });

  test("the binary: a missing, non-executable or unnamed one is refused", async () => {
    const missing = await sb.run(["service", "install", "--root", root, "--binary", "/opt/nothing/llm-gateway"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("error: --binary: no file at /opt/nothing/llm-gateway\n");

    fakeBinary("/opt/gw/llm-gateway", 0o644);
    const plain = await sb.run(["service", "install", "--root", root, "--binary", "/opt/gw/llm-gateway"]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe("error: --binary: /opt/gw/llm-gateway is not executable\n");

    // Run from source (as here) the running program is Bun, not the gateway: --binary is required.
    const unnamed = await sb.run(["service", "install", "--root", root]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain("give --binary PATH");
    expect(existsSync(join(root, SYSTEM_UNIT))).toBe(false);
  });

  test("a file that cannot be written is an error naming it", async () => {
    writeFileSync(join(root, "etc"), "not a folder");
    const r = await install();
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith("error: cannot write /etc/systemd/system/llm-gateway.service: ");
  });

  test.skipIf(!Bun.which("systemd-analyze"))("systemd-analyze verify accepts the unit without a warning", async () => {
    // verify checks that ExecStart's file exists on this machine: name one that is there and under the root too.
    const real = join(sb.dir, "bin", "llm-gateway");
    mkdirSync(join(real, ".."), { recursive: true });
    writeFileSync(real, "#!/bin/sh\n");
    chmodSync(real, 0o755);
    fakeBinary(real);
    expect((await sb.run(["service", "install", "--root", root, "--binary", real])).code).toBe(0);
    const verify = Bun.spawnSync(["systemd-analyze", "verify", join(root, SYSTEM_UNIT)], { stdout: "pipe", stderr: "pipe" });
    expect(verify.stderr.toString() + verify.stdout.toString()).toBe("");
    expect(verify.exitCode).toBe(0);
  });
});

describe("service install --user", () => {
  test("writes a user unit under ~/.config/systemd/user with the CLI's own configuration", async () => {
    const r = await install("--user");
    expect(r.code).toBe(0);
    const path = join(sb.dir, ".config/systemd/user/llm-gateway.service");
    const unit = parseUnit(read(path));
    const s = unit.Service!;
    expect(s.ExecStart).toEqual([`${BIN} server start`]);
    expect(s.Environment).toEqual([`LLM_GATEWAY_CONFIG=${sb.config}`]);
    expect(s.User).toBeUndefined();
    expect(s.NoNewPrivileges).toEqual(["yes"]);
    expect(s.SystemCallFilter).toEqual(["@system-service", "~@privileged"]);
    expect(s.KillSignal).toEqual(["SIGTERM"]);
    expect(unit.Install!.WantedBy).toEqual(["default.target"]);
    expect(existsSync(join(root, "etc"))).toBe(false);
    expect(r.stdout).toStartWith(`wrote ${path}\n`);
    expect(r.stdout).toContain("  systemctl --user daemon-reload\n  systemctl --user enable --now llm-gateway.service\n");
    expect(r.stdout).toContain("loginctl enable-linger");
  });

  test("XDG_CONFIG_HOME and --config are honoured", async () => {
    const xdg = join(sb.dir, "xdg");
    const r = await sb.run(["service", "install", "--user", "--root", root, "--binary", BIN, "--config", "/srv/gw/config.yaml"], {
      env: { XDG_CONFIG_HOME: xdg },
    });
    expect(r.code).toBe(0);
    expect(parseUnit(read(join(xdg, "systemd/user/llm-gateway.service"))).Service!.Environment).toEqual(["LLM_GATEWAY_CONFIG=/srv/gw/config.yaml"]);
  });
});

describe("service uninstall", () => {
  test("removes the unit, its enablement link and the sysusers file, and says what to run and what is kept", async () => {
    expect((await install("--config", "/etc/llm-gateway/config.yaml")).code).toBe(0);
    const link = join(root, "/etc/systemd/system/multi-user.target.wants/llm-gateway.service");
    mkdirSync(join(link, ".."), { recursive: true });
    symlinkSync(SYSTEM_UNIT, link); // what `systemctl enable` makes (dangling under a temp root)
    const r = await uninstall();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "removed /etc/systemd/system/llm-gateway.service",
        "removed /etc/systemd/system/multi-user.target.wants/llm-gateway.service (it enabled the service at boot)",
        "removed /etc/sysusers.d/llm-gateway.conf",
        "",
        "To stop the running service and forget the unit:",
        "  systemctl stop llm-gateway.service",
        "  systemctl daemon-reload",
        "",
        "Kept: /etc/llm-gateway/config.yaml with its master key and usage ledger, and the system user llm-gateway (userdel llm-gateway removes it).",
        "",
      ].join("\n"),
    );
    for (const p of [SYSTEM_UNIT, "/etc/sysusers.d/llm-gateway.conf"]) expect(existsSync(join(root, p))).toBe(false);
    expect(existsSync(link)).toBe(false);

    const again = await uninstall();
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("error: no system unit at /etc/systemd/system/llm-gateway.service: nothing to uninstall\n");
  });

  test("a unit install did not write is left alone unless --force", async () => {
    mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(root, SYSTEM_UNIT), "[Service]\nExecStart=/bin/other\n");
    const refused = await uninstall();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("was not written by `llm-gateway service install`; add --force");
    expect(existsSync(join(root, SYSTEM_UNIT))).toBe(true);
    expect((await uninstall("--force")).code).toBe(0);
    expect(existsSync(join(root, SYSTEM_UNIT))).toBe(false);
  });

  test("--user removes the user unit", async () => {
    expect((await install("--user")).code).toBe(0);
    const r = await uninstall("--user");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  systemctl --user stop llm-gateway.service\n  systemctl --user daemon-reload\n");
    expect(r.stdout).toContain(`Kept: ${sb.config} with its master key and usage ledger.`);
    expect(existsSync(join(root, sb.dir, ".config/systemd/user/llm-gateway.service"))).toBe(false);
  });
});
