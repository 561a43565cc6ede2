import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "clipanion";
import { isSealed } from "../../config/secrets.ts";
import { fieldPath, plaintextUrlCredentials } from "../../config/url-credentials.ts";
import { ConfigStore } from "../../config/store.ts";
import { ConfigError } from "../../errors.ts";
import type { Config } from "../../config/schema.ts";
import { BaseCommand } from "../base-command.ts";

export class ConfigValidateCommand extends BaseCommand {
  static override paths = [["config", "validate"]];
  static override usage = Command.Usage({
    category: "Configuration",
    description: "check a configuration file and list every error with its path (exit 1 when invalid)",
    details:
      "Never creates or changes the file. Unknown keys at any depth are errors (with the key probably meant), and so is an empty file. " +
      "Also flags secrets stored in plain text.",
    examples: [["Check an edited copy before installing it", "$0 config validate --file ./config.new.yaml"]],
  });

  file = Option.String("--file", { description: "File to check (default: the configuration in use)" });

  run() {
    const path = this.file !== undefined ? resolve(this.file) : this.configPath();
    if (!existsSync(path)) throw new ConfigError(`${path} does not exist`);
    // read(), not load(): validating must not create a file.
    const config = new ConfigStore(path, this.context.env).read();
    const plain = plaintextSecrets(config);
    if (plain.length) throw new ConfigError(`invalid configuration in ${path}:`, plain);
    // Still valid (the server reads them), but not as the file should hold them.
    for (const f of plaintextUrlCredentials(config)) {
      this.context.stderr.write(`warning: ${fieldPath(f)} holds credentials in plain text; the next change through the CLI encrypts them\n`);
    }
    this.print(
      `${path} is valid (gateway keys: ${config.gateway_keys.length}, upstream accounts: ${config.upstream_accounts.length}, model routes: ${config.model_routes.length})`,
    );
  }
}

/** Hand edits can paste a raw key into the file; the server would refuse it, so say so here first. */
function plaintextSecrets(config: Config): string[] {
  const errors: string[] = [];
  config.upstream_accounts.forEach((a, i) => {
    const check = (value: string | undefined, field: string) => {
      if (value !== undefined && !isSealed(value)) errors.push(`upstream_accounts[${i}].${field}: stored in plain text; re-add it through the CLI`);
    };
    check(a.api_key, "api_key");
    check(a.oauth?.access_token, "oauth.access_token");
    check(a.oauth?.refresh_token, "oauth.refresh_token");
  });
  return errors;
}
