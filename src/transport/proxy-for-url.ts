/**
 * Picks the outbound proxy for a URL from the configuration's `environment` section
 * (http_proxy / https_proxy, skipped for hosts matching no_proxy). The running server's configuration holds these
 * opened: a URL with credentials is sealed in the file and decrypted once per reload (src/runtime/runtime-config.ts),
 * so nothing here decrypts per request.
 */
export interface ProxyEnvironment {
  http_proxy: string;
  https_proxy: string;
  no_proxy: string;
}

export function proxyForUrl(target: string | URL, env: ProxyEnvironment): string | undefined {
  const https = typeof target === "string" ? /^https:/i.test(target) : target.protocol === "https:";
  const proxy = https ? env.https_proxy || env.http_proxy : env.http_proxy;
  // No proxy set (the usual case): the URL is not even parsed. This runs for every upstream call.
  if (!proxy) return undefined;
  const url = typeof target === "string" ? new URL(target) : target;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  for (const raw of env.no_proxy.split(",")) {
    const rule = raw.trim().toLowerCase();
    if (!rule) continue;
    if (rule === "*") return undefined;
    const [ruleHost, rulePort] = splitHostPort(rule);
    if (rulePort && rulePort !== (url.port || (url.protocol === "https:" ? "443" : "80"))) continue;
    const bare = ruleHost!.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 address (several colons) has no port. */
function splitHostPort(rule: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rule);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  if (rule.indexOf(":") !== rule.lastIndexOf(":")) return [rule, undefined];
  const [host, port] = rule.split(":");
  return [host!, port];
}
