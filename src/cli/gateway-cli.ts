import { Cli } from "clipanion";
import type { CliContext } from "./base-command.ts";

/** What an option's value is called in help and usage lines, where it differs from the option's own name. */
const PLACEHOLDERS: Record<string, string> = {
  "--config": "PATH",
  "--file": "PATH",
  "--binary": "PATH",
  "--root": "DIR",
  "--priority": "N",
  "--weight": "N",
  "--rpm": "N",
  "--code": "CODE#STATE",
  "--models": "PATTERNS",
  "--permissions": "LIST",
  "--no-proxy": "HOSTS",
  "--expires-in": "DURATION",
  "--from": "PATTERN",
  "--to": "MODEL",
  "--api-version": "VERSION",
  "--client-id": "ID",
  "--tpm": "N",
  "--since": "TIME",
  "--until": "TIME",
  "--by": "GROUPING",
  "--budget-usd": "USD/PERIOD",
  "--spend-cap-usd": "USD/PERIOD",
  "--workers": "N|auto",
};

/** `--base-url` → URL, `--name` → NAME: the table above, URLs, else the option's name in capitals. */
export function placeholderFor(option: string): string {
  const known = PLACEHOLDERS[option];
  if (known) return known;
  if (/-(url|uri|proxy)$/.test(option)) return "URL";
  return option.replace(/^-+/, "").replace(/-/g, "_").toUpperCase();
}

/**
 * clipanion 3 writes an option's value as `#0` (`--config #0`); help and usage lines here say what goes there
 * (`--config PATH`). Every help text, usage line and `definitions()` entry goes through getUsageByIndex.
 */
export class GatewayCli extends Cli<CliContext> {
  protected override getUsageByIndex(n: number, opts?: { detailed?: boolean; inlineOptions?: boolean }) {
    const { usage, options } = super.getUsageByIndex(n, opts);
    return {
      usage: withPlaceholders(usage),
      options: options.map((o) => ({ ...o, definition: withPlaceholders(o.definition) })),
    };
  }
}

const withPlaceholders = (text: string) =>
  text.replace(/(--[a-z][a-z-]*(?:,-[a-zA-Z-]+)*)((?: #\d+)+)/g, (_, names: string) => `${names} ${placeholderFor(names.split(",")[0]!)}`);
