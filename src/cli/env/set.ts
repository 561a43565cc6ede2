import { Command, Option } from "clipanion";
import type { EnvName } from "../../config/schema.ts";
import { BaseCommand } from "../base-command.ts";
import { maskUrlCredentials } from "../mask-secrets.ts";

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
    const changes: [EnvName, string][] = [];
    if (this.httpProxy !== undefined) changes.push(["http_proxy", this.proxyUrl("--http-proxy", this.httpProxy)]);
    if (this.httpsProxy !== undefined) changes.push(["https_proxy", this.proxyUrl("--https-proxy", this.httpsProxy)]);
    if (this.noProxy !== undefined) {
      changes.push(["no_proxy", this.noProxy.split(",").map((h) => h.trim()).filter(Boolean).join(",")]);
    }
    if (changes.length === 0) this.usageError("nothing to set: give --http-proxy, --https-proxy and/or --no-proxy");
    this.store().update((c) => {
      for (const [name, value] of changes) c.environment[name] = value;
    });
    for (const [name, value] of changes) this.print(`${name} = ${maskUrlCredentials(value) || "(unset)"}`);
  }

  private proxyUrl(flag: string, value: string): string {
    const v = value.trim();
    if (v === "") return "";
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      this.usageError(`${flag} is not a valid URL: "${value}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") this.usageError(`${flag} must be an http:// or https:// URL`);
    return v;
  }
}
