import { Command, Option } from "clipanion";
import { setEnvironment } from "../../config/edits/environment.ts";
import { BaseCommand } from "../base-command.ts";
import { ENV_OPTION_NAMES } from "../edit-names.ts";
import { maskUrlCredentials } from "../../config/mask-secrets.ts";

export class EnvSetCommand extends BaseCommand {
  static override paths = [["env", "set"]];
  static override usage = Command.Usage({
    category: "Environment",
    description: "set proxy settings for every outbound call",
    details:
      "An empty value clears a proxy. A proxy URL with a user name or password is stored encrypted, like upstream keys, and shown masked. " +
      "A running server picks the change up without a restart.",
    examples: [["A corporate proxy", "$0 env set --http-proxy http://proxy:3128 --https-proxy http://proxy:3128 --no-proxy localhost,127.0.0.1,.internal"]],
  });

  httpProxy = Option.String("--http-proxy", { description: "Proxy URL for http:// upstreams" });
  httpsProxy = Option.String("--https-proxy", { description: "Proxy URL for https:// upstreams" });
  noProxy = Option.String("--no-proxy", { description: "Comma list of hosts / suffixes never proxied" });

  run() {
    const values = setEnvironment(
      this.store(),
      {
        ...(this.httpProxy !== undefined && { http_proxy: this.httpProxy }),
        ...(this.httpsProxy !== undefined && { https_proxy: this.httpsProxy }),
        ...(this.noProxy !== undefined && { no_proxy: this.noProxy }),
      },
      { names: ENV_OPTION_NAMES },
    );
    for (const [name, value] of values) this.print(`${name} = ${maskUrlCredentials(value) || "(unset)"}`);
  }
}
