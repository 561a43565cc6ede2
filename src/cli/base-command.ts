import { Command, Option, UsageError, type BaseContext } from "clipanion";
import { resolveConfigPath } from "../config/paths.ts";
import { ConfigStore } from "../config/store.ts";
import { EditError } from "../config/edits/edit-error.ts";
import { ConfigError } from "../errors.ts";

/** What the CLI writes to: process streams in the binary, string collectors in tests. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** stdin as given to runCli: the whole text (tests) or a stream of chunks (process.stdin). */
export type StdinSource = string | AsyncIterable<Uint8Array | string>;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * clipanion's context plus our injected dependencies. `stdin`/`stdout`/`stderr` are typed as Node streams by
 * clipanion but only `write` (and async iteration for stdin) is ever used, so writable-likes are fine.
 */
export type CliContext = BaseContext & {
  /** Used by commands that talk to a running gateway (`status`, `health`); tests inject a fake. */
  fetch: FetchLike;
  /** The original stdin source (see readStdin). */
  stdinSource?: StdinSource;
  /** Waits between device-login polls; tests inject one that never waits on time. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
};

export const BINARY_NAME = "llm-gateway";

/**
 * The one place errors become exit codes: usage errors (ours and clipanion's own parse errors) print one line and
 * exit 2; ConfigError (bad file, wrong master key, unknown id…) prints its message with every detail and exits 1.
 * `helpPath` (the command words typed) lets a clipanion parse error point at the right `--help`.
 */
export function reportError(error: unknown, stderr: OutputStream, helpPath: string[] = []): number {
  if (error instanceof ConfigError) {
    stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  // A change the config cannot take: a missing item is like a bad file (1), a bad value like a bad option (2).
  if (error instanceof EditError) {
    stderr.write(`error: ${error.message}\n`);
    return error.kind === "not_found" ? 1 : 2;
  }
  if (error instanceof UsageError) {
    stderr.write(`error: ${error.message.split("\n")[0]}\n`);
    return 2;
  }
  if (typeof error === "object" && error !== null && "clipanion" in error) {
    // clipanion's messages span several lines (candidates, usage): keep the first, point at --help.
    const first = String((error as { message?: unknown }).message ?? "").split("\n")[0]!.replace(/[.:;]+$/, "");
    const help = [BINARY_NAME, ...helpPath, "--help"].join(" ");
    stderr.write(`error: ${first.charAt(0).toLowerCase()}${first.slice(1)} (see \`${help}\`)\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error: ${message.split("\n")[0]}\n`);
  return 1;
}

/**
 * Base of every command: the `--config` option, the config store, output helpers. Subclasses implement `run()`
 * (not `execute`) and throw ConfigError / UsageError; `execute` maps them to exit codes via reportError.
 */
export abstract class BaseCommand extends Command<CliContext> {
  configFlag = Option.String("--config", {
    description: "Configuration file (default: $LLM_GATEWAY_CONFIG, else ~/.llm-gateway/config.yaml)",
  });

  #store?: ConfigStore;

  abstract run(): Promise<number | void> | number | void;

  override async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (e) {
      return reportError(e, this.context.stderr);
    }
  }

  /** --config, else LLM_GATEWAY_CONFIG from the context's env, else the default in the home folder. */
  configPath(): string {
    return resolveConfigPath(this.configFlag, this.context.env);
  }

  /** The store for the resolved path (one per command run). `store().load()` creates the file on first use. */
  store(): ConfigStore {
    this.#store ??= new ConfigStore(this.configPath(), this.context.env);
    return this.#store;
  }

  /** Writes text plus a newline to stdout. */
  print(text: string): void {
    this.context.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** Writes exactly one JSON document to stdout. */
  printJson(value: unknown): void {
    this.context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** `--json` → one JSON document; otherwise the human rendering. */
  output(json: boolean, value: unknown, human: () => string): void {
    if (json) this.printJson(value);
    else this.print(human());
  }

  usageError(message: string): never {
    throw new UsageError(message);
  }

  /** Parses an integer option; a bad value is a usage error naming the flag. */
  parseInteger(flag: string, value: string | undefined, min?: number): number | undefined {
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value.trim())) this.usageError(`${flag} expects an integer, got "${value}"`);
    const n = Number(value);
    if (min !== undefined && n < min) this.usageError(`${flag} must be at least ${min}, got ${n}`);
    return n;
  }

  /** Requires an option that clipanion treats as optional (so the message names it instead of "command not found"). */
  required(flag: string, value: string | undefined): string {
    if (value === undefined || value.trim() === "") this.usageError(`missing ${flag}`);
    return value;
  }

  /** The whole of stdin as text (for `--key -`). */
  async readStdin(): Promise<string> {
    const src = this.context.stdinSource;
    if (src === undefined) return "";
    if (typeof src === "string") return src;
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of src) text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  }
}
