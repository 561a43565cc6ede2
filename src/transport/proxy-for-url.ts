/**
 * Picks the outbound proxy for a URL from the configuration's `environment` section
 * (http_proxy / https_proxy, skipped for hosts matching no_proxy).
 */
export interface ProxyEnvironment {
  http_proxy: string;
  https_proxy: string;
  no_proxy: string;
}

export function proxyForUrl(url: URL, env: ProxyEnvironment): string | undefined {
  const proxy = url.protocol === "https:" ? env.https_proxy || env.http_proxy : env.http_proxy;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  for (const raw of env.no_proxy.split(",")) {
    const rule = raw.trim().toLowerCase();
    if (!rule) continue;
    if (rule === "*") return undefined;
    const [ruleHost, rulePort] = rule.replace(/^\[|\]$/g, "").split(/:(?=\d+$)/);
    if (rulePort && rulePort !== (url.port || (url.protocol === "https:" ? "443" : "80"))) continue;
    const bare = ruleHost!.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}
