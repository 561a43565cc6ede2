import type { Readable, Writable } from "node:stream";
import { Builtins, UsageError, type Cli, type CommandClass } from "clipanion";
import { VERSION } from "../version.ts";
import { ApiKeyAddCommand } from "./apikey/add.ts";
import { ApiKeyDisableCommand } from "./apikey/disable.ts";
import { ApiKeyEnableCommand } from "./apikey/enable.ts";
import { ApiKeyListCommand } from "./apikey/list.ts";
import { ApiKeyRemoveCommand } from "./apikey/remove.ts";
import { ApiKeyShowCommand } from "./apikey/show.ts";
import { ApiKeyUpdateCommand } from "./apikey/update.ts";
import { BINARY_NAME, reportError, type CliContext, type FetchLike, type OutputStream, type StdinSource } from "./base-command.ts";
import { ConfigPathCommand } from "./config/path.ts";
import { ConfigShowCommand } from "./config/show.ts";
import { ConfigValidateCommand } from "./config/validate.ts";
import { EnvListCommand } from "./env/list.ts";
import { EnvSetCommand } from "./env/set.ts";
import { EnvShowCommand } from "./env/show.ts";
import { EnvUnsetCommand } from "./env/unset.ts";
import { GatewayCli } from "./gateway-cli.ts";
import { groupHelpCommand } from "./group-help.ts";
import { HealthCommand } from "./health.ts";
import { OAuthRefreshCommand } from "./oauth/refresh.ts";
import { OAuthStartCommand } from "./oauth/start.ts";
import { OAuthStatusCommand } from "./oauth/status.ts";
import { RouteAddCommand } from "./route/add.ts";
import { RouteListCommand } from "./route/list.ts";
import { RouteRemoveCommand } from "./route/remove.ts";
import { ServerStartCommand } from "./server/start.ts";
import { ServerStatusCommand } from "./server/status.ts";
import { ServiceInstallCommand } from "./service/install.ts";
import { ServiceUninstallCommand } from "./service/uninstall.ts";
import { StatusCommand } from "./status.ts";
import { UpstreamAddCommand } from "./upstream/add.ts";
import { UpstreamDisableCommand } from "./upstream/disable.ts";
import { UpstreamEnableCommand } from "./upstream/enable.ts";
import { UpstreamListCommand } from "./upstream/list.ts";
import { UpstreamRemoveCommand } from "./upstream/remove.ts";
import { UpstreamShowCommand } from "./upstream/show.ts";
import { UpstreamUpdateCommand } from "./upstream/update.ts";
import { UsageCommand } from "./usage/usage.ts";
import { VersionCommand } from "./version.ts";

export interface RunCliContext {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  /** Text (tests) or a chunk stream (process.stdin); read only by `--key -`. */
  stdin?: StdinSource;
  /** For commands that ask a running gateway (`status`, `health`); defaults to the global fetch. */
  fetch?: FetchLike;
  /** Waits between OAuth device-login polls; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

const GROUP_TITLES: Record<string, string> = {
  server: "Run the gateway",
  apikey: "Gateway keys: what clients send as Authorization: Bearer lgw_…",
  upstream: "Upstream accounts: the provider credentials requests are forwarded with",
  route: "Model routes: map requested model names to upstream models",
  env: "Environment: proxy settings for every outbound call",
  config: "Configuration file",
  oauth: "OAuth upstream accounts: log in, status, refresh",
  service: "systemd service: install or remove a unit that runs the gateway",
};

const COMMANDS: CommandClass<CliContext>[] = [
  ServerStartCommand,
  ServerStatusCommand,
  HealthCommand,
  StatusCommand,
  UsageCommand,
  ApiKeyAddCommand,
  ApiKeyListCommand,
  ApiKeyShowCommand,
  ApiKeyUpdateCommand,
  ApiKeyRemoveCommand,
  ApiKeyEnableCommand,
  ApiKeyDisableCommand,
  UpstreamAddCommand,
  UpstreamListCommand,
  UpstreamShowCommand,
  UpstreamUpdateCommand,
  UpstreamRemoveCommand,
  UpstreamEnableCommand,
  UpstreamDisableCommand,
  OAuthStartCommand,
  OAuthStatusCommand,
  OAuthRefreshCommand,
  RouteAddCommand,
  RouteListCommand,
  RouteRemoveCommand,
  EnvListCommand,
  EnvSetCommand,
  EnvShowCommand,
  EnvUnsetCommand,
  ConfigPathCommand,
  ConfigShowCommand,
  ConfigValidateCommand,
  ServiceInstallCommand,
  ServiceUninstallCommand,
  VersionCommand,
  ...Object.entries(GROUP_TITLES).map(([group, title]) => groupHelpCommand(group, title)),
  Builtins.HelpCommand,
];

const GROUPS = new Set(Object.keys(GROUP_TITLES));

/** The longest registered command path the leading words start with ([] when none). */
function longestKnownPath(words: string[]): string[] {
  let best: string[] = [];
  for (const command of COMMANDS) {
    for (const path of command.paths ?? []) {
      if (path.length > best.length && path.length <= words.length && path.every((p, i) => words[i] === p)) best = path;
    }
  }
  return best;
}

/** `help`, `help apikey`, `help apikey add` → `--help`, `apikey --help`, `apikey add --help`. */
const helpWord = (argv: string[]): string[] => (argv[0] === "help" ? [...argv.slice(1), "--help"] : argv);

/**
 * `--rpm -5` → `--rpm=-5`. clipanion takes a word starting with `-` for an option, so a negative number after an
 * option would be "not enough arguments"; bound to the option, the command sees it and can accept it (a priority)
 * or refuse it by name (a rate). Only options that take a value are bound (`valueOptions`, asked for only when such
 * a word is there); no option name starts with a digit, so nothing else changes meaning.
 */
function withNegativeValues(argv: string[], valueOptions: () => Set<string>): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const prev = out.at(-1);
    if (/^-\d/.test(arg) && prev !== undefined && !out.includes("--") && valueOptions().has(prev)) out[out.length - 1] = `${prev}=${arg}`;
    else out.push(arg);
  }
  return out;
}

/** Every option name that takes a value, in any command (`--rpm`, `--config`…). */
function optionsWithValues(cli: Cli<CliContext>): Set<string> {
  const names = new Set<string>();
  for (const d of cli.definitions()) {
    for (const o of d.options) if (o.definition.includes(" ")) for (const n of o.definition.split(" ")[0]!.split(",")) names.add(n);
  }
  return names;
}

/** Builds the CLI with every command registered. */
export function buildCli(colors: boolean): Cli<CliContext> {
  const cli = new GatewayCli({
    binaryName: BINARY_NAME,
    binaryLabel: "LLM Gateway",
    binaryVersion: VERSION,
    enableColors: colors,
  });
  for (const command of COMMANDS) cli.register(command);
  return cli;
}

/**
 * Runs one CLI invocation and returns its exit code; never calls process.exit, so tests run it in-process.
 * Parse errors from clipanion become one line on stderr and exit 2 (reportError), like our own usage errors.
 */
export async function runCli(input: string[], ctx: RunCliContext): Promise<number> {
  const colors = Boolean(ctx.stdout.isTTY) && !ctx.env.NO_COLOR && ctx.env.TERM !== "dumb";
  const cli = buildCli(colors);
  let valueOptions: Set<string> | undefined;
  const argv = withNegativeValues(helpWord(input), () => (valueOptions ??= optionsWithValues(cli)));
  const context: CliContext = {
    // clipanion types these as Node streams; commands only call write() and read stdin through readStdin().
    stdout: ctx.stdout as unknown as Writable,
    stderr: ctx.stderr as unknown as Writable,
    stdin: (ctx.stdin ?? "") as unknown as Readable,
    stdinSource: ctx.stdin,
    env: ctx.env,
    colorDepth: colors ? 8 : 1,
    fetch: ctx.fetch ?? ((input, init) => fetch(input, init)),
    sleep: ctx.sleep,
  };
  const words = argv.slice(0, argv.findIndex((a) => a.startsWith("-")) >>> 0);
  const known = longestKnownPath(words);
  // A group word followed by something that is not one of its commands (`apikey ad`): clipanion would call
  // "ad" an extraneous argument of the group help; say what it is instead.
  if (words.length > 0 && (known.length === 0 || (GROUPS.has(known.join(" ")) && words.length > known.length))) {
    const error = new UsageError(`unknown command "${words.join(" ")}" (see \`${[BINARY_NAME, ...known, "--help"].join(" ")}\`)`);
    return reportError(error, ctx.stderr);
  }
  let command;
  try {
    command = cli.process(argv, context);
  } catch (e) {
    return reportError(e, ctx.stderr, known);
  }
  return cli.run(command, context);
}
