import { Command, Option } from "clipanion";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigStore } from "../../config/store.ts";
import { parseConfig } from "../../config/validate.ts";
import { BINARY_NAME } from "../base-command.ts";
import { ServiceCommand } from "./service-command.ts";
import { DEFAULT_SYSTEM_CONFIG, SERVICE_USER, sysusersConf, systemdUnit, UNIT_NAME, unitPathProblem } from "./systemd-unit.ts";

/** Folders a system service cannot use for its configuration: hidden (ProtectHome=yes) or private (PrivateTmp=yes). */
const UNREACHABLE = ["/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"];

export class ServiceInstallCommand extends ServiceCommand {
  static override paths = [["service", "install"]];
  static override usage = Command.Usage({
    category: "Service",
    description: "write a hardened systemd unit for this binary and print how to start it",
    details:
      "A system service (default) runs as its own system user `llm-gateway` (declared in /etc/sysusers.d), keeps its configuration, " +
      "master key and usage ledger in /var/lib/llm-gateway (or --config PATH), and is sandboxed: no new privileges, a read-only system, " +
      "no home folders, no devices, no capabilities, a system-call filter. --user writes a user service to ~/.config/systemd/user that uses " +
      "your own configuration (--config, $LLM_GATEWAY_CONFIG or ~/.llm-gateway/config.yaml). Nothing is started: the command prints the " +
      "systemctl lines to run. A different unit already there is kept unless --force is given.",
    examples: [
      ["A system service for this binary", "sudo llm-gateway service install"],
      ["A user service with your own configuration", "llm-gateway service install --user"],
      ["Another binary and configuration", "sudo llm-gateway service install --binary /opt/llm-gateway/llm-gateway --config /etc/llm-gateway/config.yaml"],
    ],
  });

  binary = Option.String("--binary", { description: "The binary the service runs (default: this one)" });
  force = Option.Boolean("--force", false, { description: "Replace a unit that differs from the one this would write" });

  run() {
    if (process.platform !== "linux" && !this.root) this.usageError("service install writes a systemd unit, for Linux only");
    const binary = this.binaryPath();
    const configPath = this.serviceConfigPath();
    const { shutdown_grace, port } = this.serverSettings(configPath ?? DEFAULT_SYSTEM_CONFIG);

    const paths = this.servicePaths();
    const files = [{ path: paths.unit, text: systemdUnit({ scope: this.scope, binary, configPath, shutdownGraceS: shutdown_grace, port }) }];
    if (paths.sysusers) files.push({ path: paths.sysusers, text: sysusersConf() });

    const existing = files.map((f) => this.readIfExists(f.path));
    const differing = files.filter((f, i) => existing[i] !== undefined && existing[i] !== f.text);
    if (differing.length && !this.force) {
      this.usageError(`${differing.map((f) => f.path).join(" and ")} already exists and differs from what this would write; add --force to replace it`);
    }
    const changed = files.filter((_, i) => existing[i] === undefined || differing.includes(files[i]!));
    for (const f of changed) this.writeFile(f.path, f.text);

    const sc = this.systemctl;
    const config = configPath ?? `${DEFAULT_SYSTEM_CONFIG} (created at the first start, with master.key beside it: back that up)`;
    this.print(
      [
        ...(changed.length ? changed.map((f) => `wrote ${f.path}`) : [`${paths.unit} is installed already (unchanged)`]),
        "",
        "To start it now and at every boot:",
        ...(paths.sysusers ? [`  systemd-sysusers ${paths.sysusers}      # creates the system user ${SERVICE_USER}`] : []),
        `  ${sc} daemon-reload`,
        `  ${sc} enable --now ${UNIT_NAME}`,
        ...(this.user ? ["  loginctl enable-linger \"$USER\"      # keeps it running after you log out, and starts it at boot"] : []),
        "",
        `Configuration: ${config}`,
        ...(this.user
          ? [`Manage it with the CLI as usual: ${BINARY_NAME} apikey add --name team${this.configFlag ? ` --config ${configPath}` : ""}`]
          : [
              `Manage it as the service's user, so its files stay readable to it:`,
              `  sudo -u ${SERVICE_USER} ${binary} apikey add --name team --config ${configPath ?? DEFAULT_SYSTEM_CONFIG}`,
              ...(configPath ? [`The folder must belong to ${SERVICE_USER}: chown -R ${SERVICE_USER}: ${resolve(configPath, "..")}`] : []),
            ]),
        `Logs: journalctl ${this.user ? "--user " : ""}-u ${UNIT_NAME} -f`,
        `Stop time: the unit waits server.shutdown_grace (${shutdown_grace} s) + 15 s; after raising shutdown_grace, install again with --force.`,
      ].join("\n"),
    );
  }

  /** --binary (a file there, under --root when given), else this binary itself (run from source there is none). */
  private binaryPath(): string {
    if (this.binary === undefined) {
      if (!Bun.main.startsWith("/$bunfs/")) this.usageError("run from source there is no binary to install: give --binary PATH of the compiled llm-gateway");
      const self = process.execPath;
      const problem = unitPathProblem(self);
      if (problem) this.usageError(`this binary's path ${self} ${problem}: move it, or give --binary PATH`);
      return self;
    }
    const binary = resolve(this.binary);
    const problem = unitPathProblem(binary);
    if (problem) this.usageError(`--binary ${binary} ${problem}`);
    const file = this.onRoot(binary);
    if (!existsSync(file) || !statSync(file).isFile()) this.usageError(`--binary: no file at ${binary}`);
    if ((statSync(file).mode & 0o111) === 0) this.usageError(`--binary: ${binary} is not executable`);
    return binary;
  }

  /**
   * The configuration the service uses. A user service: the one this CLI uses (--config, $LLM_GATEWAY_CONFIG, the
   * default in the home folder), so `llm-gateway apikey add` manages the running service. A system service: --config,
   * else undefined (config.yaml in its state directory); the installing shell's $LLM_GATEWAY_CONFIG names that
   * shell's configuration, not the service's, and is not used.
   */
  private serviceConfigPath(): string | undefined {
    const path = this.user ? this.configPath() : this.configFlag === undefined ? undefined : resolve(this.configFlag);
    if (path === undefined) return undefined;
    const problem = unitPathProblem(path);
    if (problem) this.usageError(`--config ${path} ${problem}`);
    if (!this.user && UNREACHABLE.some((dir) => path.startsWith(dir))) {
      this.usageError(`--config ${path}: a system service cannot reach home folders or /tmp (ProtectHome, PrivateTmp); use a folder such as /etc/llm-gateway, or leave --config out for /var/lib/llm-gateway`);
    }
    return path;
  }

  /** shutdown_grace (the stop timeout) and port (capabilities) from the configuration when it exists, else the defaults. */
  private serverSettings(configPath: string): { shutdown_grace: number; port: number } {
    const file = this.onRoot(configPath);
    const parsed = parseConfig({});
    const defaults = parsed.ok ? parsed.config.server : { shutdown_grace: 30, port: 3847 };
    const server = existsSync(file) ? new ConfigStore(file, this.context.env).read().server : defaults;
    return { shutdown_grace: server.shutdown_grace, port: server.port };
  }
}
