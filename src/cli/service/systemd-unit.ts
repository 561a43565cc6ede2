import { dirname, join } from "node:path";

/** The first words of every file `service install` writes: how `service uninstall` knows a file is its own. */
export const WRITTEN_BY = "# Written by `llm-gateway service install`";
export const UNIT_NAME = "llm-gateway.service";
export const SERVICE_USER = "llm-gateway";
/** systemd's StateDirectory= name: /var/lib/llm-gateway for the system service. */
export const STATE_DIRECTORY = "llm-gateway";

export type ServiceScope = "system" | "user";

export interface UnitOptions {
  scope: ServiceScope;
  /** Absolute path of the binary ExecStart runs. */
  binary: string;
  /** Absolute path of the configuration; undefined: config.yaml in the state directory (system scope only). */
  configPath?: string;
  /** server.shutdown_grace in seconds: systemd must wait longer than the drain before it kills. */
  shutdownGraceS: number;
  /** server.port: below 1024 the service gets CAP_NET_BIND_SERVICE and nothing else. */
  port: number;
}

/** The files install writes, relative to the filesystem root; `home`/`xdgConfigHome` from the caller's environment. */
export function servicePaths(scope: ServiceScope, env: { home: string; xdgConfigHome?: string }) {
  if (scope === "system") {
    return {
      unit: join("/etc/systemd/system", UNIT_NAME),
      /** `systemctl enable` links the unit here (WantedBy=multi-user.target); uninstall removes the link too. */
      enabledLink: join("/etc/systemd/system/multi-user.target.wants", UNIT_NAME),
      sysusers: `/etc/sysusers.d/${SERVICE_USER}.conf`,
    };
  }
  const config = env.xdgConfigHome?.startsWith("/") ? env.xdgConfigHome : join(env.home, ".config");
  return {
    unit: join(config, "systemd/user", UNIT_NAME),
    enabledLink: join(config, "systemd/user/default.target.wants", UNIT_NAME),
    sysusers: undefined,
  };
}

/** The config path the system service uses when none is given: inside its state directory (%S is /var/lib). */
export const DEFAULT_SYSTEM_CONFIG = `/var/lib/${STATE_DIRECTORY}/config.yaml`;

/**
 * A path systemd takes as one word without quoting rules of its own: no whitespace, quotes, backslashes or control
 * characters. `%` is systemd's specifier sign and is escaped by `unitPath`.
 */
export function unitPathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "is not absolute";
  if (/[\s"'\\\x00-\x1f\x7f]/.test(path)) return "has whitespace, a quote, a backslash or a control character, which a systemd unit cannot hold unquoted";
  return undefined;
}

const unitPath = (path: string) => path.replaceAll("%", "%%");

/** How much longer than the drain systemd waits: the process still has to close the usage ledger and exit. */
const STOP_MARGIN_S = 15;

/** The systemd unit for the gateway: hardened, restarted on failure, stopped by the server's own SIGTERM drain. */
export function systemdUnit(o: UnitOptions): string {
  const system = o.scope === "system";
  const configLine = o.configPath
    ? `Environment=LLM_GATEWAY_CONFIG=${unitPath(o.configPath)}`
    : `Environment=LLM_GATEWAY_CONFIG=%S/${STATE_DIRECTORY}/config.yaml`;
  const lowPort = o.port > 0 && o.port < 1024;
  const lines = [
    // No version here: installing again after an upgrade finds the same unit unless its content changed.
    `${WRITTEN_BY}; \`llm-gateway service uninstall${system ? "" : " --user"}\` removes it.`,
    "[Unit]",
    "Description=LLM Gateway: one endpoint for many LLM provider accounts",
    ...(system ? ["After=network-online.target", "Wants=network-online.target"] : []),
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${unitPath(o.binary)} server start`,
    ...(system
      ? o.configPath
        ? [
            "# The configuration, its master key and the usage ledger live beside each other and must stay writable.",
            configLine,
            `ReadWritePaths=${unitPath(dirname(o.configPath))}`,
          ]
        : [
            "# The configuration, its master key (master.key: back it up) and the usage ledger live in the state",
            `# directory, /var/lib/${STATE_DIRECTORY}, created for the service's user and kept across restarts and upgrades.`,
            configLine,
            `StateDirectory=${STATE_DIRECTORY}`,
            "StateDirectoryMode=0700",
            `WorkingDirectory=%S/${STATE_DIRECTORY}`,
          ]
      : [configLine]),
    ...(system
      ? [
          "# A system user of its own (/etc/sysusers.d/llm-gateway.conf), not DynamicUser=: the operator runs the CLI as",
          "# this user against the same files (sudo -u llm-gateway llm-gateway apikey add … --config …), which a dynamic",
          "# user's private state directory would not allow.",
          `User=${SERVICE_USER}`,
          `Group=${SERVICE_USER}`,
          "UMask=0077",
        ]
      : []),
    "",
    `# SIGTERM: the server stops accepting, lets requests and streams in flight finish within server.shutdown_grace`,
    `# (${o.shutdownGraceS} s when this was written) and exits 0; systemd waits ${STOP_MARGIN_S} s more before it kills.`,
    "KillSignal=SIGTERM",
    "KillMode=mixed",
    `TimeoutStopSec=${o.shutdownGraceS + STOP_MARGIN_S}`,
    "Restart=on-failure",
    "RestartSec=2",
    "LimitNOFILE=65536",
    "",
    ...(system
      ? [
          "# Sandboxing: the filesystem read-only but for the configuration's folder, no home folders, no devices,",
          "# no privileges of any kind" + (lowPort ? " but binding a port below 1024 (server.port)." : "."),
          "NoNewPrivileges=yes",
          "ProtectSystem=strict",
          "PrivateMounts=yes",
          "ProtectHome=yes",
          "PrivateTmp=yes",
          "PrivateDevices=yes",
          "ProtectKernelTunables=yes",
          "ProtectKernelModules=yes",
          "ProtectKernelLogs=yes",
          "ProtectControlGroups=yes",
          "ProtectClock=yes",
          "ProtectHostname=yes",
          "ProtectProc=invisible",
          `CapabilityBoundingSet=${lowPort ? "CAP_NET_BIND_SERVICE" : ""}`,
          `AmbientCapabilities=${lowPort ? "CAP_NET_BIND_SERVICE" : ""}`,
          "RestrictSUIDSGID=yes",
          "RemoveIPC=yes",
        ]
      : [
          "# A user service runs with its user's rights; the sandboxing below is what an unprivileged service manager",
          "# can apply everywhere (mount namespaces such as ProtectSystem= need privileges or user namespaces).",
          "NoNewPrivileges=yes",
        ]),
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "LockPersonality=yes",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged",
    "SystemCallErrorNumber=EPERM",
    "# No MemoryDenyWriteExecute=yes: Bun's JavaScript engine compiles hot code to machine code in memory it writes",
    "# and then executes; denied that, it falls back to its interpreter and runs several times slower.",
    "",
    "[Install]",
    `WantedBy=${system ? "multi-user.target" : "default.target"}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** systemd-sysusers' declaration of the service's system user (created by `systemd-sysusers`, no shell, no login). */
export function sysusersConf(): string {
  return [
    `${WRITTEN_BY}: the system user the llm-gateway service runs as.`,
    `u ${SERVICE_USER} - "LLM Gateway" /var/lib/${STATE_DIRECTORY}`,
    "",
  ].join("\n");
}

/** The config path a unit this command wrote names, for uninstall's "kept" note (`%S` is /var/lib or ~/.local/state). */
export function configPathInUnit(unit: string): string | undefined {
  const m = /^Environment=LLM_GATEWAY_CONFIG=(.+)$/m.exec(unit);
  return m?.[1]?.replace("%S/", "/var/lib/").replaceAll("%%", "%");
}
