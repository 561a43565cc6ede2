import type { UpstreamAccount } from "../config/schema.ts";
import type { Router } from "../routing/router.ts";
import type { AccountHealth } from "./create-app.ts";

/** Health of every enabled account as /health shows it: ids and states only, no names or secrets. */
export function accountHealthList(router: Pick<Router, "status">, accounts: readonly UpstreamAccount[]): AccountHealth[] {
  const out: AccountHealth[] = [];
  for (const a of accounts) {
    if (a.status !== "active") continue;
    const s = router.status(a.id);
    out.push(s.until ? { id: a.id, state: s.state, until: new Date(s.until).toISOString() } : { id: a.id, state: s.state });
  }
  return out;
}
