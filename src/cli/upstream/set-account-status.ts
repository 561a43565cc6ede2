import type { ConfigStore } from "../../config/store.ts";
import { findIndex } from "../find-item.ts";

/** Shared by `upstream enable` and `upstream disable`. */
export function setAccountStatus(store: ConfigStore, ref: string, status: "active" | "disabled") {
  return store.update((c) => {
    const account = c.upstream_accounts[findIndex(c.upstream_accounts, ref, "upstream account")]!;
    const changed = account.status !== status;
    account.status = status;
    return { id: account.id, name: account.name, changed };
  });
}
