/**
 * Who is asking and whether they reached us over TLS. The gateway itself serves plain HTTP; TLS ends in a reverse
 * proxy in front of it. Forwarded headers are believed only from the addresses in `server.trusted_proxies`: from
 * anyone else they are the client's own words (a client could otherwise pick its address to dodge the sign-in limit,
 * or claim https).
 */
export interface ClientAddress {
  ip: string;
  tls: boolean;
}

const normalise = (ip: string) => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "").toLowerCase();

export function clientAddress(request: Request, peer: string | undefined, trustedProxies: readonly string[]): ClientAddress {
  const direct = peer ? normalise(peer) : "unknown";
  const tlsDirect = request.url.startsWith("https:");
  if (!peer || trustedProxies.length === 0) return { ip: direct, tls: tlsDirect };
  const trusted = new Set(trustedProxies.map(normalise));
  if (!trusted.has(direct)) return { ip: direct, tls: tlsDirect };
  // The right-most address that is not one of our proxies is the client (earlier ones the client could have written).
  const chain = (request.headers.get("x-forwarded-for") ?? "").split(",").map((s) => normalise(s.trim())).filter(Boolean);
  let ip = direct;
  for (let i = chain.length - 1; i >= 0; i--) {
    ip = chain[i]!;
    if (!trusted.has(ip)) break;
  }
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return { ip, tls: proto === "https" || tlsDirect };
}
