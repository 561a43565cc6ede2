import type { UpstreamAccount } from "../config/schema.ts";
import type { Router } from "../routing/router.ts";
import type { AccountHealthSummary } from "../server/health-document.ts";

/**
 * Health of every enabled account as /health shows it: ids, states and the router's plain-sentence detail;
 * no names or secrets (the endpoint needs no key). `reason` and `consecutive_failures` only when not healthy.
 */
export function accountHealthList(router: Pick<Router, "status">, accounts: readonly UpstreamAccount[]): AccountHealthSummary[] {
  const out: AccountHealthSummary[] = [];
  for (const a of accounts) {
    if (a.status !== "active") continue;
    const s = router.status(a.id);
    const item: AccountHealthSummary = { id: a.id, state: s.state };
    if (s.until) item.until = new Date(s.until).toISOString();
    if (s.state !== "healthy") {
      if (s.reason) item.reason = s.reason;
      item.detail = s.detail;
      item.consecutive_failures = s.consecutiveFailures;
    }
    out.push(item);
  }
  return out;
}
